import { chmod, chown, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';

/** Longest socket path the kernel accepts (sun_path is 108 bytes on Linux, 104 on macOS). */
export const MAX_SOCKET_PATH_BYTES = 103;

/**
 * A socket file mode is owner read-write, optionally group read-write, nothing else:
 * 0o600 or 0o660. Anything world-accessible (or executable) is refused. A socket given to a
 * group (`gid`) is 0o660; 0o660 without one keeps the group the file is created with.
 */
export function checkSocketMode(mode: number, gid?: number): void {
  if (mode !== 0o600 && mode !== 0o660) {
    throw new Error(`socket mode 0${mode.toString(8)} is not allowed: use 0600 or 0660 (never world-accessible)`);
  }
  if (gid !== undefined && mode !== 0o660) throw new Error(`a socket given to group ${gid} must be 0660, not 0${mode.toString(8)}`);
}

/** chown to a group, with a message that says why it may be refused. */
async function giveToGroup(path: string, gid: number): Promise<void> {
  try {
    await chown(path, -1, gid);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(
      `cannot give ${path} to group ${gid} (--socket-group): ${code}; the orchestrator must run as root or as a member of that group`,
      { cause: error },
    );
  }
}

/** Whether something accepts connections on the socket (false when it refuses: a stale file). */
function isListening(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolve(false);
      else reject(new Error(`cannot probe existing socket ${path}: ${error.message}`, { cause: error }));
    });
  });
}

/**
 * Gets the path ready for binding: creates the parent directory when missing (0700, or 0750
 * for a group socket, given to `gid` when there is one; an existing directory is left as it
 * is), and removes a stale socket file left by a dead process. Refuses to replace a live
 * socket or anything that is not a socket.
 */
export async function prepareUnixSocket(path: string, mode: number, gid?: number): Promise<void> {
  checkSocketMode(mode, gid);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes`);
  }
  const dirMode = mode === 0o660 ? 0o750 : 0o700;
  const firstCreated = await mkdir(dirname(path), { recursive: true, mode: dirMode });
  if (firstCreated !== undefined) {
    // Every directory made here, from the socket's parent up to the first one: exact mode, whatever the umask.
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      if (gid !== undefined) await giveToGroup(dir, gid);
      await chmod(dir, dirMode);
      if (dir === firstCreated || dir === dirname(dir)) break;
    }
  }
  let existing;
  try {
    existing = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await isListening(path)) throw new Error(`another process is already listening on ${path}`);
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * Runs `bind` with a umask that creates the socket file owner-only (0600), gives it to `gid`
 * when there is one, and only then sets `mode`, so no other group can connect in between; then
 * checks mode and group. The umask is process-wide, so it is restored as soon as the bind settles.
 */
export async function bindUnixSocket<T>(path: string, mode: number, bind: () => Promise<T>, gid?: number): Promise<T> {
  checkSocketMode(mode, gid);
  const previous = process.umask(0o177);
  let bound: T;
  try {
    bound = await bind();
  } finally {
    process.umask(previous);
  }
  if (gid !== undefined) await giveToGroup(path, gid);
  await chmod(path, mode);
  const actual = await stat(path);
  if ((actual.mode & 0o777) !== mode) throw new Error(`socket ${path} has mode 0${(actual.mode & 0o777).toString(8)}, not 0${mode.toString(8)}`);
  if (gid !== undefined && actual.gid !== gid) throw new Error(`socket ${path} belongs to group ${actual.gid}, not ${gid}`);
  return bound;
}
