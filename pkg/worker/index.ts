export type { ConnectionState } from './connection-state.js';
export { createExecutorFor, createWorker, type CreateWorkerOptions, type WorkerParts } from './create-worker.js';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from '../metrics/index.js';
export { EngineHealth, type EngineHealthView } from './engine-health.js';
export { reconnectDelay } from './reconnect-delay.js';
export { ResultSpool } from './result-spool.js';
export { startWebEgress, type WebEgress } from './start-web-egress.js';
export { abortKindOf, TaskAbortReason, type TaskAbortKind } from './task-abort-reason.js';
export { TaskExecutor, type RunTaskOptions, type TaskExecutorOptions } from './task-executor.js';
export {
  isRecordableTaskId,
  TaskRecords,
  TaskRecordWriter,
  type TaskRecordResult,
  type TaskRecordsOptions,
  type TaskRecordStart,
  type TaskRecordTimes,
} from './task-records.js';
export { makeOutcome, type FinalState, type RunOutcome, type TaskProgress } from './run-outcome.js';
export { ReconnectExhaustedError } from './orchestrator-link.js';
export { WorkerAgent, type WorkerAgentOptions } from './worker-agent.js';
export type { WorkerState } from './worker-state.js';
export { WorkerMetrics, type WorkerMetricsOptions, type WorkerMetricsSources } from './worker-metrics.js';
export { workerReadiness, type Readiness, type ReadinessFacts } from './worker-readiness.js';
