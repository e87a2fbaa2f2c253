/**
 * The lease rules, as pure decisions (the broker applies them).
 *
 * Every assignment of a task is a lease with a new epoch (previous + 1) and attempt number. A
 * worker echoes the epoch on every message; only messages of the lease in force count. A lease
 * ends with the worker's result, or is lost when its deadline passes without renewal, its worker
 * unregisters or is removed for missed heartbeats. A lost lease (or a retryable result) puts the
 * task back in the queue while attempts remain, not to be assigned before a backoff
 * (retryDelayMs); a cancel asked for while it was leased wins.
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
  /** The task waits in the queue for another attempt (its last lease was lost or its result retryable). */
  readonly queued?: boolean;
  /** The sender of the result held the task's last lease when it was lost (by agent id, or the one it proved). */
  readonly lostLeaseByReporter?: boolean;
}

/**
 * A result of the lease in force is accepted. So is one of a lost lease while nothing has run
 * since: the task waits in the queue, not assigned again (its epoch is still the lost lease's),
 * and the result comes from that lease's holder at that epoch. The run did finish; running the
 * task again would repeat it for nothing, and nobody else can have reported on it.
 */
export function judgeCompleted(task: LeaseView | undefined, leaseEpoch: number): CompletedVerdict {
  if (task === undefined || leaseEpoch <= 0) return 'stale';
  if (leaseEpoch === task.resultEpoch) return 'duplicate';
  if (leaseEpoch !== task.leaseEpoch) return 'stale';
  if (task.leased) return 'accept';
  return task.queued === true && task.lostLeaseByReporter === true ? 'accept' : 'stale';
}

/** A lease a worker's heartbeat lists, as the orchestrator knows its task (undefined: unknown or no longer kept). */
export interface ListedLeaseView {
  readonly leased: boolean;
  readonly queued: boolean;
  /** Epoch of the current or last lease. */
  readonly leaseEpoch: number;
  /** Epoch whose result was accepted, 0 for none. */
  readonly resultEpoch: number;
  /** The reporter holds (or may claim) the current lease; for a queued task: held the last one, which was lost. */
  readonly holder: boolean;
  /** The reporter delivered the accepted result. */
  readonly deliverer: boolean;
  /** The reporter lists the task as queued or running (active_task_ids), not only as a result awaiting its ack. */
  readonly running: boolean;
}

/**
 * What a heartbeat does with a lease it lists: `renew` the lease in force of its holder; `keep`
 * (neither renew nor revoke) an older epoch of a task the same worker holds now (it adopts the
 * newer one), a result it delivered (the ack settles it), and a finished run of its own lost
 * lease while the task waits in the queue (its result may still be accepted, judgeCompleted);
 * `reassign` a lost lease whose run still goes on while its task waits in the queue (nothing
 * else runs it: the task is leased again to that worker at a newer epoch, which the run adopts,
 * instead of being stopped there and run again elsewhere); `revoke` everything else: unknown or
 * finished tasks, epochs never given, other holders' leases (HeartbeatResponse.revoked: the
 * worker stops those runs).
 */
export function judgeListedLease(task: ListedLeaseView | undefined, leaseEpoch: number): 'renew' | 'keep' | 'reassign' | 'revoke' {
  if (task === undefined || leaseEpoch <= 0) return 'revoke';
  if (leaseEpoch === task.resultEpoch && task.deliverer) return 'keep';
  if (task.leased) {
    if (leaseEpoch === task.leaseEpoch) return task.holder ? 'renew' : 'revoke';
    return leaseEpoch < task.leaseEpoch && task.holder ? 'keep' : 'revoke';
  }
  if (task.queued && leaseEpoch === task.leaseEpoch && task.holder) return task.running ? 'reassign' : 'keep';
  return 'revoke';
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

/** The first retry's delay; each later one doubles it, up to RETRY_MAX_DELAY_MS. */
export const RETRY_BASE_DELAY_MS = 1_000;
export const RETRY_MAX_DELAY_MS = 30_000;

/**
 * How long a task re-queued after attempt `attempt` (1 = the first) ended waits before it may be
 * assigned again: 1 s after the first, doubling per attempt, within ±25% jitter (`random` in
 * [0, 1)), never more than 30 s. An engine outage then does not burn every attempt at once, and
 * retries of many tasks do not all come back in the same instant.
 */
export function retryDelayMs(attempt: number, random: () => number): number {
  const doublings = Math.min(Math.max(attempt, 1) - 1, 16);
  const base = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** doublings);
  return Math.min(RETRY_MAX_DELAY_MS, Math.round(base * (0.75 + 0.5 * random())));
}
