import type { UnackedResultLimits } from '../config/worker-config.js';

/** A result waiting for its ack, as the bounds see it. */
export interface HeldResult {
  readonly taskId: string;
  /** Its message and output, in memory and on disk. */
  readonly bytes: number;
  /** When it was kept (ms, the spool's clock). */
  readonly keptAt: number;
}

export type LimitReason = 'age' | 'count' | 'bytes';

/**
 * The results to drop so that those left are within `limits` at `now`, with why: every one
 * older than the TTL; then the oldest past the count; then any one larger than the byte bound
 * on its own, and the oldest until the rest fit. The newest are kept; each task id appears once.
 */
export function resultsOverLimits(
  held: readonly HeldResult[],
  limits: UnackedResultLimits,
  now: number,
): Array<{ readonly taskId: string; readonly reason: LimitReason }> {
  const dropped: Array<{ taskId: string; reason: LimitReason }> = [];
  let kept = [...held].sort((a, b) => a.keptAt - b.keptAt);
  const drop = (result: HeldResult, reason: LimitReason): void => {
    dropped.push({ taskId: result.taskId, reason });
    kept = kept.filter((other) => other !== result);
  };
  for (const result of kept.filter((r) => now - r.keptAt > limits.ttlMs)) drop(result, 'age');
  while (kept.length > limits.maxCount) drop(kept[0]!, 'count');
  for (const result of kept.filter((r) => r.bytes > limits.maxBytes)) drop(result, 'bytes');
  let total = kept.reduce((sum, result) => sum + result.bytes, 0);
  while (total > limits.maxBytes && kept.length > 0) {
    total -= kept[0]!.bytes;
    drop(kept[0]!, 'bytes');
  }
  return dropped;
}
