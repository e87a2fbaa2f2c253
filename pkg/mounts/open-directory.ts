import { constants } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';
import { WorkerError } from '../errors/index.js';

/**
 * A directory held open by this process: the object that was judged, not a name for it.
 * `identity` is `dev:ino` of that object; `uid`/`gid` its owner at the time it was opened.
 */
export interface OpenedDirectory {
  /** The real path the directory had when it was opened and checked. */
  readonly path: string;
  readonly identity: string;
  readonly uid: number;
  readonly gid: number;
  readonly handle: FileHandle;
  close(): Promise<void>;
}

/** `dev:ino` of a stat result (bigint, so that no inode number is rounded). */
export function identityOf(stats: { readonly dev: bigint; readonly ino: bigint }): string {
  return `${stats.dev}:${stats.ino}`;
}

/**
 * Opens the directory at `realPath` (an absolute path with no symbolic link in it, as realpath
 * gives) and proves that the object opened is the one at that path: opened with O_NOFOLLOW and
 * O_DIRECTORY, then the kernel's own name for the open file (`/proc/self/fd/N`) must be
 * `realPath` again. A component swapped for a symbolic link (or renamed away) before the open
 * leads elsewhere and fails that comparison; one swapped after it cannot change which object is
 * held. Either way the caller gets MOUNT_CHANGED and nothing is opened.
 */
export async function openDirectory(realPath: string): Promise<OpenedDirectory> {
  let handle: FileHandle;
  try {
    handle = await open(realPath, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const shown = JSON.stringify(realPath);
    // O_NOFOLLOW with O_DIRECTORY fails a final symbolic link with ENOTDIR on Linux: lstat only
    // tells the two refusals apart (nothing is opened either way).
    const isLink = code === 'ELOOP' || (code === 'ENOTDIR' && (await lstat(realPath).then((info) => info.isSymbolicLink(), () => false)));
    if (isLink) throw new WorkerError('MOUNT_CHANGED', `mount source ${shown} changed while it was being checked (it is now a symbolic link); nothing was mounted`, { cause: error });
    if (code === 'ENOENT') throw new WorkerError('MOUNT_NOT_FOUND', `mount source ${shown} does not exist on the worker's host`, { cause: error });
    if (code === 'ENOTDIR') throw new WorkerError('MOUNT_NOT_FOUND', `mount source ${shown} is not a directory`, { cause: error });
    throw new WorkerError('MOUNT_NOT_FOUND', `mount source ${shown} cannot be opened by the worker (${code ?? String(error)})`, { cause: error });
  }
  try {
    const stats = await handle.stat({ bigint: true });
    const heldAt = await readlink(`/proc/self/fd/${handle.fd}`);
    if (!stats.isDirectory() || heldAt !== realPath) {
      throw new WorkerError('MOUNT_CHANGED', `mount source ${JSON.stringify(realPath)} changed while it was being checked (it is now ${JSON.stringify(heldAt)}); nothing was mounted`);
    }
    return {
      path: realPath,
      identity: identityOf(stats),
      uid: Number(stats.uid),
      gid: Number(stats.gid),
      handle,
      close: () => handle.close().catch(() => undefined),
    };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}
