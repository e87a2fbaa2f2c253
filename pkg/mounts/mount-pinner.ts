import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkerError } from '../errors/index.js';
import { identityOf, openDirectory, type OpenedDirectory } from './open-directory.js';

/**
 * A judged directory bound at a path only the worker can reach: what the engine is given to
 * bind, so that the engine's own path lookup can only find this one object.
 */
export interface PinnedMount {
  /** Where the directory is pinned (`<pin dir>/<random>`): the container's bind source. */
  readonly path: string;
  /** `dev:ino` of the directory pinned. */
  readonly identity: string;
  /** The real path it was judged at. */
  readonly origin: string;
  /** Unmounts and removes the pin (idempotent, never rejects; a container already started keeps its own bind). */
  release(): Promise<void>;
}

/** What pins mounts: the real MountPinner, or a fake in unit tests. */
export interface PinsMounts {
  pin(directory: OpenedDirectory): Promise<PinnedMount>;
}

const COMMAND_TIMEOUT_MS = 10_000;

/**
 * Pins judged directories for the engine. The engine resolves a bind source by its path when
 * the container starts, after the worker judged it: a path component renamed or swapped for a
 * symbolic link in between would bind another directory. So the worker binds the directory it
 * holds open (`mount --bind /proc/self/fd/N`, which binds the open object itself, not a name)
 * at a fresh path in `dir`, and hands the engine that path.
 *
 * Trust: `dir` must be a directory of this process's user with mode 0700 (checked at create),
 * so no one else can rename or replace a pin; the engine (root) resolves the pin path, and only
 * the worker (root, or holding CAP_SYS_ADMIN where the engine's mount namespace sees its
 * mounts) can make pins. A worker that cannot make them is told by `probe()`.
 */
export class MountPinner implements PinsMounts {
  private constructor(private readonly dir: string) {}

  /** Creates (0700) or checks `dir`, and removes pins a previous run of the worker left. */
  static async create(dir: string): Promise<MountPinner> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await lstat(dir);
    const uid = process.getuid?.() ?? -1;
    if (!info.isDirectory() || info.uid !== uid || (info.mode & 0o077) !== 0) {
      throw new Error(`the mount pin directory ${dir} must be a directory of uid ${uid} with mode 0700 (it is ${info.isDirectory() ? `uid ${info.uid}, mode ${(info.mode & 0o777).toString(8)}` : 'not a directory'})`);
    }
    const pinner = new MountPinner(dir);
    await pinner.sweep();
    return pinner;
  }

  /** Why this process cannot pin mounts (undefined when it can): pins a directory of its own and releases it. */
  async probe(): Promise<string | undefined> {
    const probeDir = join(this.dir, `probe-${randomBytes(6).toString('hex')}`);
    await mkdir(probeDir, { mode: 0o700 });
    let opened: OpenedDirectory | undefined;
    try {
      opened = await openDirectory(probeDir);
      const pinned = await this.pin(opened);
      await pinned.release();
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await opened?.close();
      await rmdir(probeDir).catch(() => undefined);
    }
  }

  async pin(directory: OpenedDirectory): Promise<PinnedMount> {
    const path = join(this.dir, randomBytes(12).toString('hex'));
    await mkdir(path, { mode: 0o700 });
    let mounted = false;
    // Never rejects: a pin that cannot be removed now stays in the 0700 pin dir (no one else can
    // reach it) and is swept at the next start.
    const release = once(async () => {
      if (mounted) await unmount(path).catch(() => undefined);
      await rmdir(path).catch(() => undefined);
    });
    try {
      // --no-canonicalize: the source goes to mount(2) as it is, and the kernel follows the
      // descriptor's magic link to the open directory (a canonicalized name would be a race again).
      await run('mount', ['--no-canonicalize', '--bind', '/proc/self/fd/3', path], directory.handle.fd);
      mounted = true;
      const bound = identityOf(await stat(path, { bigint: true }));
      if (bound !== directory.identity) {
        throw new WorkerError('MOUNT_CHANGED', `pinning ${JSON.stringify(directory.path)} bound another directory (${bound}, not ${directory.identity}); nothing was mounted`);
      }
      return { path, identity: directory.identity, origin: directory.path, release };
    } catch (error) {
      await release();
      if (error instanceof WorkerError) throw error;
      throw new WorkerError('POLICY_DENIED', `this worker cannot pin mount sources, so it mounts nothing: ${error instanceof Error ? error.message : String(error)} (the worker must run as root, or with CAP_SYS_ADMIN in the engine's mount namespace)`, { cause: error });
    }
  }

  /** Removes every pin in the directory (after a crash of an earlier run). */
  private async sweep(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      await unmount(path).catch(() => undefined);
      await rmdir(path).catch(() => undefined);
    }
  }
}

/** Unmounts `path`; lazily when busy (a container starting from it keeps its own bind). */
async function unmount(path: string): Promise<void> {
  try {
    await run('umount', ['--no-canonicalize', path]);
  } catch {
    await run('umount', ['--no-canonicalize', '--lazy', path]);
  }
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= action());
}

/** Runs a command (no shell), with `fd` as its descriptor 3 when given; rejects with its stderr. */
function run(command: string, args: readonly string[], fd?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: fd === undefined ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'ignore', 'pipe', fd],
      signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}
