import { closeSync, existsSync, fstatSync, openSync, statSync } from 'node:fs';
import { socketOwnerProblem, type SocketOwnerTrust } from './socket-owner-problem.js';

/** O_PATH (Linux: 010000000 on x86-64, arm64 and the other common ABIs); Node does not export it. */
const O_PATH = 0o10000000;

/** A Unix socket was found but its owner is not trusted (or it is no socket). Stable `code`. */
export class UntrustedSocketError extends Error {
  override readonly name = 'UntrustedSocketError';
  readonly code = 'SOCKET_UNTRUSTED';
}

export function isUntrustedSocketError(error: unknown): error is UntrustedSocketError {
  return error instanceof UntrustedSocketError;
}

/** A socket checked for its owner, and the path that reaches exactly that socket. */
export interface TrustedSocket {
  /** What to connect to: `/proc/self/fd/N` on Linux (the object that was checked), else the path. */
  readonly connectPath: string;
  /** The socket's owner, as checked. */
  readonly uid: number;
  /** `dev:ino` of the socket file: tells whether the name now leads to another socket. */
  readonly identity: string;
  /** Releases the descriptor; call after the channel that uses connectPath is closed. */
  close(): void;
}

/**
 * Opens the Unix socket at `path` and checks its owner (socketOwnerProblem) before anything is
 * sent to it. Throws UntrustedSocketError when the owner is not trusted, or the fs error (e.g.
 * ENOENT) when there is nothing to open: the caller retries as for any unreachable peer.
 *
 * Check the object, not its name: stat(path) then connect(path) is a race, as anyone who can
 * write the socket's directory (everyone, in /tmp) can put their own socket there in between,
 * e.g. when the orchestrator restarts and unlinks its old one. Node cannot ask the connected
 * socket for its peer's credentials (no SO_PEERCRED), so on Linux the file is opened with O_PATH,
 * which pins the inode, its owner is read with fstat, and the connection is made through
 * `/proc/self/fd/N`: the kernel resolves that magic link to the pinned inode, so we connect to the
 * very socket whose owner we checked, whatever has happened to the name since. The descriptor
 * must stay open as long as anything may connect through it (a channel reconnects by itself).
 * Elsewhere (no O_PATH) the check is stat-then-connect, with that race.
 */
export function openTrustedSocket(path: string, trust: SocketOwnerTrust, platform: NodeJS.Platform = process.platform): TrustedSocket {
  if (platform !== 'linux') {
    const stat = statSync(path);
    throwIfUntrusted(path, { isSocket: stat.isSocket(), uid: stat.uid }, trust);
    return { connectPath: path, uid: stat.uid, identity: `${stat.dev}:${stat.ino}`, close: () => undefined };
  }
  const fd = openSync(path, O_PATH) // libuv adds O_CLOEXEC itself;
  try {
    const stat = fstatSync(fd);
    throwIfUntrusted(path, { isSocket: stat.isSocket(), uid: stat.uid }, trust);
    const connectPath = `/proc/self/fd/${fd}`;
    if (!existsSync(connectPath)) throw new Error(`cannot dial ${path} safely: ${connectPath} does not exist (is /proc mounted?)`);
    let open = true;
    return {
      connectPath,
      uid: stat.uid,
      identity: `${stat.dev}:${stat.ino}`,
      close: () => {
        if (open) closeSync(fd);
        open = false;
      },
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function throwIfUntrusted(path: string, object: { isSocket: boolean; uid: number }, trust: SocketOwnerTrust): void {
  const problem = socketOwnerProblem(path, object, trust);
  if (problem !== undefined) throw new UntrustedSocketError(problem);
}
