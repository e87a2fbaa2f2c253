import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OutputStreamName } from '../runtime/index.js';
import type { RunOutcome } from './run-outcome.js';

/** Why a result was dropped before the orchestrator acknowledged it. */
export type ResultDropReason = 'count' | 'bytes' | 'age' | 'undeliverable';

/** What the metrics read at scrape time rather than count as it happens. */
export interface WorkerMetricsSources {
  /** Tasks running here now. */
  readonly runningTasks: () => number;
  /** Tasks accepted here and waiting for a free slot. */
  readonly queuedTasks: () => number;
  /** The warm pool's running totals; undefined when there is no pool (the counters stay 0). */
  readonly warmPool?: () => { readonly hits: number; readonly misses: number } | undefined;
}

export interface WorkerMetricsOptions {
  /** The process's own metrics (CPU, memory, event loop, GC, handles); on unless false. */
  readonly defaultMetrics?: boolean;
}

/** Seconds, from a few milliseconds (a warm container) to the longest tool timeouts. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Seconds from the start of a run to its container running. */
const START_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/**
 * The worker's Prometheus metrics, `baaaht_worker_*`, in a registry of its own (no global
 * default registry: several workers may live in one process, as in tests). The agent and the
 * worker's parts record events here; /metrics serves `text()`.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly tasks: Counter<'tool' | 'state' | 'cause'>;
  private readonly taskDuration: Histogram<'tool'>;
  private readonly containerStart: Histogram;
  private readonly outputBytes: Counter<'stream'>;
  private readonly reconnects: Counter;
  private readonly engineErrors: Counter;
  private readonly resultsDropped: Counter<'reason'>;

  constructor(sources: WorkerMetricsSources, options: WorkerMetricsOptions = {}) {
    const registers = [this.registry];
    this.tasks = new Counter({
      name: 'baaaht_worker_tasks_total',
      help: 'Tasks that reached a final state here, by tool, final state and cause.',
      labelNames: ['tool', 'state', 'cause'],
      registers,
    });
    this.taskDuration = new Histogram({
      name: 'baaaht_worker_task_duration_seconds',
      help: 'How long tasks ran, from the start of their run to their result, by tool.',
      labelNames: ['tool'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.containerStart = new Histogram({
      name: 'baaaht_worker_container_start_seconds',
      help: "Time from the start of a task's run to its container running.",
      buckets: START_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'baaaht_worker_running_tasks',
      help: 'Tasks running here now.',
      registers,
      collect() {
        this.set(sources.runningTasks());
      },
    });
    new Gauge({
      name: 'baaaht_worker_queued_tasks',
      help: 'Tasks accepted here and waiting for a free slot.',
      registers,
      collect() {
        this.set(sources.queuedTasks());
      },
    });
    this.outputBytes = new Counter({
      name: 'baaaht_worker_output_bytes_total',
      help: 'Bytes of task output the worker kept and streamed (past the output cap none), by stream.',
      labelNames: ['stream'],
      registers,
    });
    this.reconnects = new Counter({
      name: 'baaaht_worker_reconnects_total',
      help: 'Attempts to connect to the orchestrator again after the link failed or dropped.',
      registers,
    });
    this.engineErrors = new Counter({
      name: 'baaaht_worker_engine_errors_total',
      help: 'Failed checks of the Docker engine, and engine failures tasks reported.',
      registers,
    });
    this.resultsDropped = new Counter({
      name: 'baaaht_worker_results_dropped_total',
      help: 'Results given up before the orchestrator acknowledged them, by reason (count, bytes, age: a bound on unacknowledged results; undeliverable: its delivery kept failing).',
      labelNames: ['reason'],
      registers,
    });
    const poolTotal = (name: string, help: string, pick: (totals: { hits: number; misses: number }) => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          const totals = sources.warmPool?.();
          this.reset();
          if (totals) this.inc(pick(totals));
        },
      });
    };
    poolTotal('baaaht_worker_warm_pool_hits_total', 'Tasks that ran in a warm container.', (t) => t.hits);
    poolTotal('baaaht_worker_warm_pool_misses_total', 'Tasks of a poolable image that found no warm container and ran cold.', (t) => t.misses);
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** A task reached its final state (also one that never ran: withdrawn, refused while draining). */
  taskFinished(tool: string, outcome: Pick<RunOutcome, 'state' | 'cause'>): void {
    this.tasks.inc({ tool, state: outcome.state, cause: outcome.cause });
  }

  /** A task's run took `durationMs`. */
  taskRan(tool: string, durationMs: number): void {
    this.taskDuration.observe({ tool }, durationMs / 1000);
  }

  /** A task's container was running `ms` after its run started. */
  containerStarted(ms: number): void {
    this.containerStart.observe(ms / 1000);
  }

  output(stream: OutputStreamName, bytes: number): void {
    this.outputBytes.inc({ stream }, bytes);
  }

  reconnect(): void {
    this.reconnects.inc();
  }

  engineError(): void {
    this.engineErrors.inc();
  }

  /** A result was dropped before its ack. */
  resultDropped(reason: ResultDropReason): void {
    this.resultsDropped.inc({ reason });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
