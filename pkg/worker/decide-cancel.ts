import { CancelOutcome } from '../gen/agent/v1/agent.js';

/** The lease of a task this worker holds: queued or running (active), or finished with its result not yet acknowledged. */
export interface HeldLease {
  readonly state: 'active' | 'finished';
  readonly leaseEpoch: number;
}

/** What a CancelCommand does here, and what the worker answers (CancelReply). */
export interface CancelDecision {
  readonly outcome: CancelOutcome;
  /** The epoch the reply carries: the lease held, or the cancel's when the reply is about no lease held. */
  readonly leaseEpoch: number;
  /** Stop the task held here (withdraw it from the queue, or stop its container). */
  readonly stop: boolean;
  /** Remember the cancel, so that an assignment of that task with its epoch or a lower one that comes later ends at once. */
  readonly remember: boolean;
}

/**
 * The answer to a cancel of `cancelEpoch` (0: whichever lease is held) given the lease held
 * here, if any:
 * - a cancel of the lease held, or of a newer one (the orchestrator's view is newer): an active
 *   task is stopped, CANCELLING; a finished one is FINISHED; both with the held epoch, and a
 *   newer cancel is remembered;
 * - a cancel older than the lease held (stale) changes nothing: FINISHED with the held epoch when
 *   that lease finished, else UNKNOWN for the cancel's epoch (nothing runs under it here; an
 *   UNKNOWN for the held epoch would tell the orchestrator that the running task is not here);
 * - no lease held: UNKNOWN for the cancel's epoch.
 * Every UNKNOWN is remembered.
 */
export function decideCancel(held: HeldLease | undefined, cancelEpoch: number): CancelDecision {
  const current = held !== undefined && (cancelEpoch === 0 || cancelEpoch >= held.leaseEpoch);
  if (held !== undefined && (current || held.state === 'finished')) {
    const active = current && held.state === 'active';
    return {
      outcome: active ? CancelOutcome.CANCEL_OUTCOME_CANCELLING : CancelOutcome.CANCEL_OUTCOME_FINISHED,
      leaseEpoch: held.leaseEpoch,
      stop: active,
      remember: cancelEpoch > held.leaseEpoch,
    };
  }
  return { outcome: CancelOutcome.CANCEL_OUTCOME_UNKNOWN, leaseEpoch: cancelEpoch, stop: false, remember: true };
}
