/** How many cancels of unknown tasks are remembered at most (the oldest go first). */
export const REMEMBERED_CANCELS = 10_000;
/** How long such a cancel is remembered: longer than any orchestrator's worker timeout should be. */
export const REMEMBERED_CANCEL_MS = 10 * 60_000;

/**
 * Cancels of tasks the worker did not have when they came (CancelReply UNKNOWN): an assignment
 * of such a task that arrives later, with the cancel's epoch or a lower one (any epoch when the
 * cancel's was 0), is cancelled at once. Bounded in number and in time.
 */
export class RememberedCancels {
  /** Task id → the cancel's epoch (0: any) and when it came; oldest first. */
  private readonly byTask = new Map<string, { leaseEpoch: number; at: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly capacity = REMEMBERED_CANCELS,
    private readonly keepMs = REMEMBERED_CANCEL_MS,
  ) {}

  get size(): number {
    return this.byTask.size;
  }

  /** A cancel of `taskId` at `leaseEpoch` (0: any); with an earlier one of the same task, the wider of both counts. */
  remember(taskId: string, leaseEpoch: number): void {
    const now = this.now();
    const earlier = this.byTask.get(taskId);
    const epoch = earlier === undefined ? leaseEpoch : earlier.leaseEpoch === 0 || leaseEpoch === 0 ? 0 : Math.max(earlier.leaseEpoch, leaseEpoch);
    this.byTask.delete(taskId);
    this.byTask.set(taskId, { leaseEpoch: epoch, at: now });
    // Oldest first: the expired ones, then as many as the capacity needs.
    for (const [oldest, { at }] of this.byTask) {
      if (this.byTask.size <= this.capacity && now - at <= this.keepMs) break;
      this.byTask.delete(oldest);
    }
  }

  /** Whether an assignment of `taskId` at `leaseEpoch` was cancelled before it came. */
  cancels(taskId: string, leaseEpoch: number): boolean {
    const cancel = this.byTask.get(taskId);
    if (cancel === undefined) return false;
    if (this.now() - cancel.at > this.keepMs) {
      this.byTask.delete(taskId);
      return false;
    }
    return cancel.leaseEpoch === 0 || leaseEpoch <= cancel.leaseEpoch;
  }
}
