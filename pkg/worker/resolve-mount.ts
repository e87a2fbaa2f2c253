import { realpath, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { WorkerError } from '../errors/index.js';
import type { MountUse } from '../tools/tool-spec.js';
import { checkMountAllowed } from './check-mount-allowed.js';

export interface ResolvedMount {
  /** The real path (symlinks resolved) that is bound into the container. */
  readonly source: string;
  readonly writable: boolean;
  readonly uid: number;
  readonly gid: number;
}

const MAX_PATH_BYTES = 4096;

/**
 * Checks a task's mount source (hostile input) against how its tool uses the mount, and
 * resolves it to a real directory on this host that may be mounted (see checkMountAllowed).
 */
export async function resolveMount(
  toolType: string,
  use: MountUse,
  mountSource: string,
  writable: boolean,
  protectedFiles: readonly string[] = [],
): Promise<ResolvedMount | undefined> {
  if (use === 'none') {
    if (mountSource !== '') {
      throw new WorkerError('INVALID_PARAMS', `${toolType} uses no files: leave mount_source empty`);
    }
    return undefined;
  }
  if (mountSource === '') {
    throw new WorkerError('INVALID_PARAMS', `${toolType} needs mount_source: the host directory to work in`);
  }
  if (mountSource.includes('\0') || Buffer.byteLength(mountSource) > MAX_PATH_BYTES) {
    throw new WorkerError('INVALID_PARAMS', 'mount_source is not a valid path');
  }
  if (!isAbsolute(mountSource)) {
    throw new WorkerError('INVALID_PARAMS', `mount_source must be an absolute host path, got ${JSON.stringify(mountSource)}`);
  }
  if (use === 'write' && !writable) {
    throw new WorkerError('INVALID_PARAMS', `${toolType} writes files: the task must set writable to true`);
  }
  let source: string;
  try {
    source = await realpath(mountSource);
  } catch (error) {
    throw new WorkerError('MOUNT_NOT_FOUND', `mount source ${JSON.stringify(mountSource)} does not exist on the worker's host`, {
      cause: error,
    });
  }
  checkMountAllowed(source, protectedFiles);
  const info = await stat(source);
  if (!info.isDirectory()) {
    throw new WorkerError('MOUNT_NOT_FOUND', `mount source ${JSON.stringify(mountSource)} is not a directory`);
  }
  return { source, writable: use === 'write', uid: info.uid, gid: info.gid };
}

/** The container user: the mount's owner when that is not root, so written files belong to them. */
export function containerUserFor(mount: ResolvedMount | undefined, fallback = '65534:65534'): string {
  if (mount && mount.uid !== 0) return `${mount.uid}:${mount.gid === 0 ? mount.uid : mount.gid}`;
  return fallback;
}
