import type { Channel } from 'nice-grpc';
import type { WorkerConfig } from '../config/worker-config.js';
import type { Logger } from '../log/index.js';
import type { ContainerReaper } from '../runtime/index.js';
import type { EngineHealth } from './engine-health.js';
import type { WorkerIdentity } from './registration-request.js';
import type { ResultSpool } from './result-spool.js';
import type { TaskExecutor } from './task-executor.js';
import type { TaskRecords } from './task-records.js';
import type { WorkerHealth } from './worker-health.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** What a WorkerAgent is made of (create-worker.ts builds them from the config). */
export interface WorkerAgentOptions extends WorkerIdentity {
  readonly config: WorkerConfig;
  readonly executor: TaskExecutor;
  /** Results waiting for the orchestrator's ack (kept across outages and restarts). */
  readonly spool: ResultSpool;
  readonly logger: Logger;
  readonly engineHealth?: EngineHealth;
  /** What each heartbeat says of the worker's health (create-worker: workerHealth of engine, audit log and disk). */
  readonly health?: () => WorkerHealth;
  readonly reaper?: ContainerReaper;
  /** Counts tasks, output and reconnects for /metrics. */
  readonly metrics?: WorkerMetrics;
  /** Per-task records in the work directory (--task-records): written behind each task, swept while the agent runs. */
  readonly taskRecords?: TaskRecords;
  /** Called once the agent has stopped (its tasks are done): closes what the worker started for them, e.g. the egress proxy. */
  readonly onStopped?: () => Promise<void>;
  /** For tests: a channel to use instead of dialling config.orchestratorAddr. */
  readonly channel?: Channel;
  readonly random?: () => number;
}
