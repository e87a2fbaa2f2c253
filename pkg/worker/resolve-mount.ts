import { realpath } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { WorkerError } from '../errors/index.js';
import { openDirectory, type OpenedDirectory } from '../mounts/index.js';
import type { MountUse } from '../tools/tool-spec.js';

export interface ResolvedMount {
  /** The real path (symlinks resolved) the directory was found at: what the policy judges. */
  readonly source: string;
  readonly writable: boolean;
  /**
   * The directory itself, held open: what is pinned and bound (see MountPinner), so the object
   * judged is the object mounted. The caller closes it.
   */
  readonly directory: OpenedDirectory;
}

const MAX_PATH_BYTES = 4096;

/**
 * Checks a task's mount source (hostile input) against how its tool uses the mount, resolves it
 * to a real directory on this host and opens it (openDirectory: MOUNT_CHANGED when it moves
 * meanwhile). Whether it may be mounted is the policy's decision (decideMount), made on
 * `source`.
 */
export async function resolveMount(
  toolType: string,
  use: MountUse,
  mountSource: string,
  writable: boolean,
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
  return { source, writable: use === 'write', directory: await openDirectory(source) };
}
