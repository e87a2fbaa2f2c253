/**
 * Who may speak for an agent id and for a lease, as pure decisions (the broker applies them; the
 * lease epochs' own rules are in lease-rules.ts).
 *
 * Identity: an agent id is public (ListWorkers shows it); the resume token Register returned with
 * it is the worker's secret. Trusted as worker X: only a caller that presents X's token (checked
 * in constant time against its hash). Everything else on the wire is hostile, the group key
 * included: every worker of a group has that key.
 *
 * Leases: epochs order a task's leases, they do not authenticate (they are small counters). A
 * lease is fenced by its holder: only the TaskStream and heartbeats of the worker it was given
 * to count, and only while that worker is in the group the task asked for. After an orchestrator
 * restart a restored lease has no holder in memory; the stored lease names the holder's agent id
 * and keeps its token's hash, and only the worker that proves that identity at Register (it
 * presents the old agent id with its token; it gets a new agent id) may claim it back.
 */
import { agentTokenMatches } from './agent-credential.js';

/** What Register does with the agent id and token it was given. */
export type RegistrationVerdict =
  /** A known agent id with its token: resume it (same id, its leases stay). */
  | { readonly kind: 'resume' }
  /** A known agent id without its token: PERMISSION_DENIED, nothing changes. */
  | { readonly kind: 'deny' }
  /**
   * A new agent id. `provenFormerId`: the unknown id the worker asked for, when its token is the
   * one a restored lease keeps for that id (the same worker, after an orchestrator restart).
   */
  | { readonly kind: 'new'; readonly provenFormerId: string | undefined };

export interface RegistrationView {
  /** The agent id asked for ('' for none). */
  readonly requestedId: string;
  readonly presentedToken: string;
  /** Token hash of the registered worker with requestedId; undefined when none is registered. */
  readonly knownTokenHash: string | undefined;
  /** Token hash a restored, unclaimed lease keeps for requestedId; undefined when none names it. */
  readonly restoredTokenHash: string | undefined;
}

export function judgeRegistration(view: RegistrationView): RegistrationVerdict {
  if (view.requestedId === '') return { kind: 'new', provenFormerId: undefined };
  if (view.knownTokenHash !== undefined) {
    return agentTokenMatches(view.knownTokenHash, view.presentedToken) ? { kind: 'resume' } : { kind: 'deny' };
  }
  const proven = view.restoredTokenHash !== undefined && agentTokenMatches(view.restoredTokenHash, view.presentedToken);
  return { kind: 'new', provenFormerId: proven ? view.requestedId : undefined };
}

/** A call about an agent id (Heartbeat, Unregister, TaskStream): `unknown` ids are answered as before. */
export function judgeAgentCall(knownTokenHash: string | undefined, presentedToken: string | undefined): 'ok' | 'unknown' | 'denied' {
  if (knownTokenHash === undefined) return 'unknown';
  return agentTokenMatches(knownTokenHash, presentedToken) ? 'ok' : 'denied';
}

/** The lease a message or heartbeat names (its epoch already found to be the one in force). */
export interface HolderView {
  /** Agent id of the worker holding it; undefined for a restored lease not claimed yet. */
  readonly holderAgentId: string | undefined;
  /** For a restored lease: the holder's agent id the store kept ('' when it kept none). */
  readonly restoredHolderId: string;
  /** The group the task asked for ('' for any). */
  readonly group: string;
}

/** The worker that sent it. */
export interface ReporterView {
  readonly agentId: string;
  /** Its group (never empty). */
  readonly group: string;
  /** The agent id it proved to be when it registered anew after an orchestrator restart. */
  readonly provenFormerId: string | undefined;
}

/**
 * `holder`: the lease's own worker (renew it, apply the message); `claim`: the proven former
 * holder of a restored lease (it becomes the holder); `not-holder`: anyone else (drop or refuse,
 * change nothing).
 */
export type ReporterVerdict = 'holder' | 'claim' | 'not-holder';

export function judgeReporter(lease: HolderView, reporter: ReporterView): ReporterVerdict {
  // A task placed for a group is accepted only from a worker authenticated for that group.
  if (lease.group !== '' && lease.group !== reporter.group) return 'not-holder';
  if (lease.holderAgentId !== undefined) return lease.holderAgentId === reporter.agentId ? 'holder' : 'not-holder';
  return lease.restoredHolderId !== '' && reporter.provenFormerId === lease.restoredHolderId ? 'claim' : 'not-holder';
}
