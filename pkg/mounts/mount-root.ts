import { isAbsolute, normalize, sep } from 'node:path';

/** Who a task runs as when it mounts a directory under a root. */
export type RootUser =
  /** The mounted directory's owner (uid 65534 when that is root), so written files are theirs. */
  | { readonly kind: 'owner' }
  /** Always this uid and gid. */
  | { readonly kind: 'fixed'; readonly uid: number; readonly gid: number };

/** A directory tree the operator lets tasks mount from (--mount-root, `mountRoots` of the policy). */
export interface MountRoot {
  /** Absolute, normalized, no trailing `/`; matched against the real path of a mount source. */
  readonly path: string;
  readonly user: RootUser;
}

/** uid:gid a task runs as when its root names no user: nobody, who owns nothing. */
export const NOBODY: RootUser = Object.freeze({ kind: 'fixed', uid: 65534, gid: 65534 });

const MAX_ID = 2 ** 32 - 2;

/**
 * Parses `DIR`, `DIR:owner`, `DIR:UID` or `DIR:UID:GID` (a bare DIR runs tasks as 65534:65534).
 * Throws an Error naming what is wrong. Pure.
 */
export function parseMountRoot(raw: string): MountRoot {
  const match = /^(.*?)(?::(owner|\d+)(?::(\d+))?)?$/.exec(raw.trim());
  const dir = match?.[1] ?? '';
  if (!isAbsolute(dir)) throw new Error(`a mount root must be an absolute directory, got ${JSON.stringify(raw)}`);
  return { path: normalizeRoot(dir), user: parseRootUser(match?.[2], match?.[3], raw) };
}

/** The user part of a root: `owner`, `UID`, `UID:GID` or nothing (nobody). Pure. */
export function parseRootUser(user: string | undefined, group: string | undefined, shown: string): RootUser {
  if (user === undefined) return NOBODY;
  if (user === 'owner') {
    if (group !== undefined) throw new Error(`${JSON.stringify(shown)}: "owner" takes no gid`);
    return { kind: 'owner' };
  }
  const uid = Number(user);
  const gid = group === undefined ? uid : Number(group);
  if (uid === 0 || gid === 0) throw new Error(`${JSON.stringify(shown)}: tasks never run as root (uid or gid 0)`);
  if (uid > MAX_ID || gid > MAX_ID) throw new Error(`${JSON.stringify(shown)}: uid and gid must be below 4294967295`);
  return { kind: 'fixed', uid, gid };
}

/** `/srv/ws/` and `/srv//ws` are `/srv/ws`. */
export function normalizeRoot(dir: string): string {
  const path = normalize(dir);
  return path.length > 1 && path.endsWith(sep) ? path.slice(0, -1) : path;
}

/** Whether `path` is `dir` or lies below it, by whole components (`/a` does not contain `/ab`). Pure. */
export function pathContains(dir: string, path: string): boolean {
  if (dir === sep) return path.startsWith(sep);
  return path === dir || path.startsWith(dir + sep);
}

/** The root with the longest path that contains `realPath` (see pathContains). Pure. */
export function findMountRoot(roots: readonly MountRoot[], realPath: string): MountRoot | undefined {
  let best: MountRoot | undefined;
  for (const root of roots) {
    if (pathContains(root.path, realPath) && (best === undefined || root.path.length > best.path.length)) best = root;
  }
  return best;
}

/** `uid:gid` a task runs as under `root`, given the mounted directory's owner. Never root. Pure. */
export function taskUserFor(user: RootUser, owner: { readonly uid: number; readonly gid: number }): string {
  if (user.kind === 'fixed') return `${user.uid}:${user.gid}`;
  if (owner.uid === 0) return '65534:65534';
  return `${owner.uid}:${owner.gid === 0 ? owner.uid : owner.gid}`;
}

/** `/srv/ws` (nobody), `/srv/ws:owner`, `/srv/ws:1000:1000`: the flag's own spelling. Pure. */
export function formatMountRoot(root: MountRoot): string {
  if (root.user.kind === 'owner') return `${root.path}:owner`;
  return `${root.path}:${root.user.uid}:${root.user.gid}`;
}
