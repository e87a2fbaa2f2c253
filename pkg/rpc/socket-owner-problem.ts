/** What the dialler learnt about the object at a Unix socket's path (fstat of the opened file). */
export interface SocketObject {
  readonly isSocket: boolean;
  readonly uid: number;
}

/** Who may own a socket the worker or the CLI dials. */
export interface SocketOwnerTrust {
  /** The dialling process's own uid. */
  readonly selfUid: number;
  /** --trust-socket-owner: further uids (e.g. the orchestrator's service user). */
  readonly extraUids: readonly number[];
}

/** Names the option that widens the trust, for messages (`--trust-socket-owner` by default). */
export const TRUST_SOCKET_OWNER_OPTION = '--trust-socket-owner';

/**
 * Why the object at `path` may not be dialled, or undefined when it may. Pure.
 *
 * Trust (who and why): whoever owns the socket file bound it (bind(2) creates it with the
 * binder's uid) or had root chown it to them; only that user can listen on it. We send it our
 * worker key (or client token) and run the tasks it sends, so it must be a user who could have
 * those anyway: ourselves, root (who can read our key and run anything as us already), or a
 * user the operator names with --trust-socket-owner. Everyone else is refused, whatever the
 * socket's mode says.
 */
export function socketOwnerProblem(
  path: string,
  object: SocketObject,
  trust: SocketOwnerTrust,
  option = TRUST_SOCKET_OWNER_OPTION,
): string | undefined {
  if (!object.isSocket) return `${path} is not a Unix socket`;
  if (object.uid === trust.selfUid || object.uid === 0 || trust.extraUids.includes(object.uid)) return undefined;
  const trusted = [`this user (uid ${trust.selfUid})`, 'root', ...trust.extraUids.map((uid) => `uid ${uid}`)];
  return (
    `refusing to connect to ${path}: it is owned by uid ${object.uid}, which is not ${trusted.join(', ')}; ` +
    `anyone can create a socket in a shared directory, and its owner would receive the key and decide the tasks. ` +
    `If uid ${object.uid} runs the orchestrator, add ${option} ${object.uid}`
  );
}
