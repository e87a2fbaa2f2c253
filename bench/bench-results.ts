import type { LatencySummary } from './latency-summary.js';
import type { MachineFacts } from './machine-facts.js';

/** floor: dockerode's create/attach/start/wait/remove; cli: `docker run --rm`; cold/warm: ours without/with the warm pool. */
export type BenchMode = 'floor' | 'cli' | 'cold' | 'warm';

export interface BenchRow extends LatencySummary {
  readonly workload: string;
  readonly mode: BenchMode;
  readonly concurrency: number;
  readonly warmup: number;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** Warm cells: tasks that ran in a container started ahead (profile `start=warm`), and the think time between a lane's tasks. */
  readonly warmHits?: number;
  readonly pauseMs?: number;
  /** This row ÷ the floor row of the same workload and concurrency, percentile by percentile. */
  readonly ratioP50: number | null;
  readonly ratioP95: number | null;
  readonly ratioP99: number | null;
  /** tasks/s ÷ the floor's (higher is better here). */
  readonly ratioTasksPerSec: number | null;
}

/** The headline numbers of one mode: file_read of 1 KiB at concurrency 1. */
export interface ModeHeadline {
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly tasksPerSec: number | null;
  /** tasks/s at concurrency 4 (null when not run). */
  readonly tasksPerSecC4: number | null;
  readonly n: number;
  readonly note?: string;
}

export interface OutputMeasurement {
  /** What the tool wrote to stdout. */
  readonly requestedBytes: number;
  /** Stdout bytes that reached the bench's client as output events. */
  readonly receivedBytes: number;
  /** Stdout bytes in the final result the orchestrator sent. */
  readonly resultStdoutBytes: number;
  readonly stdoutTruncated: boolean;
  /** Every requested byte reached the client. */
  readonly complete: boolean;
  /** The task ended COMPLETED (the worker took all of the tool's output from the container). */
  readonly taskCompleted: boolean;
  readonly state: string;
  readonly elapsedMs: number;
  /** From the call to the first output chunk. */
  readonly firstOutputMs: number | null;
  /** receivedBytes ÷ elapsed: what the client got per second. */
  readonly mibPerSec: number | null;
  /** requestedBytes ÷ elapsed, when the task completed: how fast the worker consumed the tool's output. */
  readonly workerMibPerSec: number | null;
  readonly idleRssMiB: number | null;
  readonly peakRssMiB: number | null;
  /** Peak (VmHWM after a reset, and sampled VmRSS) − idle, during the stream. */
  readonly rssGrowthMiB: number | null;
  readonly peakReset: boolean;
  readonly workerOutputCap: string;
  readonly abortedBecause?: string;
  readonly notes: readonly string[];
}

export interface WorkerMeasurement {
  /** VmRSS of a fresh worker 1 s after it registered, before any task. */
  readonly idleRssMiB: number | null;
  /** VmRSS after the latency runs, 1 s after the last task. */
  readonly idleAfterRunsRssMiB: number | null;
  /** VmHWM of the cold worker over all its latency runs. */
  readonly peakRssMiB: number | null;
  readonly warmIdleRssMiB: number | null;
  readonly warmPeakRssMiB: number | null;
  /** Median over `startToRegisteredSamplesMs`: spawn of bin/worker → ListWorkers lists it connected. */
  readonly startToRegisteredMs: number | null;
  readonly startToRegisteredSamplesMs: readonly number[];
}

export interface TargetVerdict {
  readonly name: string;
  readonly target: string;
  readonly value: number | null;
  readonly limit: number;
  readonly comparison: '<=' | '>=';
  /** null: not measured in this run. */
  readonly pass: boolean | null;
  readonly note?: string;
}

export interface BenchResults {
  readonly schema: 1;
  readonly generatedAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly iterations: number;
  readonly durationMs: number;
  readonly machine: MachineFacts;
  readonly floor: ModeHeadline;
  readonly cli: ModeHeadline;
  readonly cold: ModeHeadline;
  readonly warm: ModeHeadline & { readonly available: boolean };
  readonly ratios: {
    readonly coldP50: number | null;
    readonly coldP99: number | null;
    readonly cliP50: number | null;
    readonly warmP50: number | null;
    readonly warmP99: number | null;
    readonly coldTasksPerSecC4: number | null;
  };
  readonly output: OutputMeasurement;
  readonly worker: WorkerMeasurement;
  readonly rows: readonly BenchRow[];
  readonly targets: readonly TargetVerdict[];
  readonly cliArgs: readonly string[];
  readonly notes: readonly string[];
}
