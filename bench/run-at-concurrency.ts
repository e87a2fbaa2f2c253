/** How one cell went: the latency of every measured task, and the wall time of the measured part. */
export interface ConcurrencyRun {
  readonly latenciesMs: number[];
  readonly wallMs: number;
  /** Tasks that threw or reported a failure (their latency is not in `latenciesMs`). */
  readonly errors: number;
  /** The first few failure messages, for the report. */
  readonly errorSamples: string[];
}

export interface ConcurrencyOptions {
  readonly concurrency: number;
  /** Measured tasks. */
  readonly count: number;
  /** Tasks run first, at the same concurrency, and discarded. */
  readonly warmup: number;
  /** Stops starting new tasks (the running ones finish). */
  readonly signal: AbortSignal;
  /** A lane's pause between its tasks (an agent's think time); not part of any latency. */
  readonly pauseMs?: number;
  /** Between the warm-up round and the measured one (e.g. for a pool to fill again). */
  readonly settleMs?: number;
  /** Called as the measured round begins. */
  readonly onMeasuring?: () => void;
}

/**
 * Runs `task` `warmup + count` times with at most `concurrency` in flight. The warm-up runs as a
 * separate round first (all of it finishes before measuring starts), so the measured wall time
 * holds measured tasks only. `task` resolves when one task is done and throws when it failed.
 */
export async function runAtConcurrency(task: () => Promise<void>, options: ConcurrencyOptions): Promise<ConcurrencyRun> {
  const errorSamples: string[] = [];
  let errors = 0;
  const round = async (total: number, latencies: number[] | undefined): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < total && !options.signal.aborted) {
        next++;
        const started = performance.now();
        try {
          await task();
          latencies?.push(performance.now() - started);
        } catch (error) {
          errors++;
          if (errorSamples.length < 3) errorSamples.push(error instanceof Error ? error.message : String(error));
        }
        if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(total, 1)) }, lane));
  };
  await round(options.warmup, undefined);
  if (options.settleMs) await new Promise((resolve) => setTimeout(resolve, options.settleMs));
  options.onMeasuring?.();
  const latenciesMs: number[] = [];
  const started = performance.now();
  await round(options.count, latenciesMs);
  return { latenciesMs, wallMs: performance.now() - started, errors, errorSamples };
}
