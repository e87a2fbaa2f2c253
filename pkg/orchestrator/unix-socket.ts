import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';

/** Longest socket path the kernel accepts (sun_path is 108 bytes on Linux, 104 on macOS). */
export const MAX_SOCKET_PATH_BYTES = 103;

/**
 * A socket file mode is owner read-write, optionally group read-write, nothing else:
 * 0o600 or 0o660. Anything world-accessible (or executable) is refused.
 */
export function checkSocketMode(mode: number): void {
  if (mode !== 0o600 && mode !== 0o660) {
    throw new Error(`socket mode 0${mode.toString(8)} is not allowed: use 0600 or 0660 (never world-accessible)`);
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
 * Gets the path ready for binding: creates the parent directory (0700, or 0750 for a group
 * socket) when missing, and removes a stale socket file left by a dead process. Refuses to
 * replace a live socket or anything that is not a socket.
 */
export async function prepareUnixSocket(path: string, mode: number): Promise<void> {
  checkSocketMode(mode);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes`);
  }
  await mkdir(dirname(path), { recursive: true, mode: mode === 0o660 ? 0o750 : 0o700 });
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
 * Runs `bind` with a umask that creates the socket file with at most `mode`, then sets the
 * mode exactly and checks it is not world-accessible. The umask is process-wide, so it is
 * restored as soon as the bind settles.
 */
export async function bindUnixSocket<T>(path: string, mode: number, bind: () => Promise<T>): Promise<T> {
  checkSocketMode(mode);
  const previous = process.umask(0o777 & ~mode);
  let bound: T;
  try {
    bound = await bind();
  } finally {
    process.umask(previous);
  }
  await chmod(path, mode);
  const actual = (await stat(path)).mode & 0o777;
  if ((actual & 0o007) !== 0) throw new Error(`socket ${path} is world-accessible (0${actual.toString(8)})`);
  return bound;
}
