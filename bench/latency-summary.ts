/** Percentiles and rate of one measured cell (a workload at one concurrency under one mode). */
export interface LatencySummary {
  /** Measured tasks (warm-up excluded). */
  readonly n: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly meanMs: number | null;
  readonly minMs: number | null;
  readonly maxMs: number | null;
  /** Completed tasks ÷ wall time of the measured part of the cell. */
  readonly tasksPerSec: number | null;
}

/**
 * The nearest-rank percentile (`p` in 0..100) of ascending `sorted`: the smallest sample with at
 * least p % of the samples at or below it. With few samples a high percentile is the maximum.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** Latencies (ms) and the wall time they took in all (ms) → the summary, rounded to 0.1 ms. */
export function summarizeLatencies(latenciesMs: readonly number[], wallMs: number): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const round = (value: number | null): number | null => (value === null ? null : Math.round(value * 10) / 10);
  const mean = sorted.length === 0 ? null : sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {
    n: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    meanMs: round(mean),
    minMs: round(sorted[0] ?? null),
    maxMs: round(sorted.at(-1) ?? null),
    tasksPerSec: sorted.length === 0 || wallMs <= 0 ? null : Math.round((sorted.length / wallMs) * 1000 * 100) / 100,
  };
}

/** `ours ÷ floor`, rounded to 0.01; null when either side is missing. */
export function ratio(ours: number | null | undefined, floor: number | null | undefined): number | null {
  if (ours === null || ours === undefined || floor === null || floor === undefined || floor === 0) return null;
  return Math.round((ours / floor) * 100) / 100;
}
