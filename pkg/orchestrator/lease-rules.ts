/**
 * The lease rules, as pure decisions (the broker applies them).
 *
 * Every assignment of a task is a lease with a new epoch (previous + 1) and attempt number. A
 * worker echoes the epoch on every message; only messages of the lease in force count. A lease
 * ends with the worker's result, or is lost when its deadline passes without renewal, its worker
 * unregisters or is removed for missed heartbeats. A lost lease (or a retryable result) puts the
 * task back in the queue while attempts remain; a cancel asked for while it was leased wins.
 */

/** What to do with a `completed` message for (task, epoch). */
export type CompletedVerdict =
  /** The lease in force: store the result (ack accepted). */
  | 'accept'
  /** That epoch's result was already stored: ack accepted, change nothing. */
  | 'duplicate'
  /** Not the lease in force (taken away, or never was): ack refused. */
  | 'stale';

export interface LeaseView {
  /** The task is leased (assigned or running), as opposed to queued or finished. */
  readonly leased: boolean;
  /** Epoch of the current or last lease. */
  readonly leaseEpoch: number;
  /** Epoch whose result was accepted, 0 for none. */
  readonly resultEpoch: number;
}

export function judgeCompleted(task: LeaseView | undefined, leaseEpoch: number): CompletedVerdict {
  if (task === undefined || leaseEpoch <= 0) return 'stale';
  if (leaseEpoch === task.resultEpoch) return 'duplicate';
  return task.leased && leaseEpoch === task.leaseEpoch ? 'accept' : 'stale';
}

export interface AttemptView {
  /** Number of the attempt that just ended (1 = first). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** A client asked to cancel the task while it was leased. */
  readonly cancelPending: boolean;
}

/** A lease was lost: finish CANCELLED (cancel pending), run again, or fail WORKER_LOST. */
export function afterLeaseLoss(view: AttemptView): 'cancelled' | 'retry' | 'fail' {
  if (view.cancelPending) return 'cancelled';
  return view.attempt < view.maxAttempts ? 'retry' : 'fail';
}

/** A result was accepted: run again when it is retryable and attempts remain, else it is final. */
export function afterResult(view: AttemptView & { readonly retryable: boolean }): 'retry' | 'final' {
  return view.retryable && !view.cancelPending && view.attempt < view.maxAttempts ? 'retry' : 'final';
}
