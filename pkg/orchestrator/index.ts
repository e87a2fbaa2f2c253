export { createOrchestrator, type Orchestrator, type OrchestratorOptions } from './create-orchestrator.js';
export {
  createTaskBroker,
  type TaskBroker,
  type TaskBrokerOptions,
  type WorkerSession,
  type SubmittedTask,
  type HeartbeatReport,
  type TaskView,
} from './task-broker.js';
export { createAgentService } from './agent-service.js';
export type { BrokerObserver, ObservedTask, ObservedWorker, LeaseLossDecision, WorkerRemoval } from './broker-observer.js';
export { createHealthService, HEALTH_SERVICE_NAMES, type OrchestratorHealth } from './health-service.js';
export { orchestratorReadiness, type OrchestratorReadinessFacts } from './health-readiness.js';
export {
  OrchestratorMetrics,
  brokerMetricsSources,
  type OrchestratorMetricsOptions,
  type OrchestratorMetricsSources,
} from './orchestrator-metrics.js';
export { createTaskService } from './task-service.js';
export { createErrorMiddleware, toServerError } from './error-middleware.js';
export { selectWorker, type WorkerCandidate, type WorkerChoice, type DispatchRequest } from './select-worker.js';
export { validateTask, type TaskLimits } from './validate-task.js';
export { openTaskStore, IN_MEMORY, TASK_DB_FILE, type TaskStore, type StoredTask, type StoredTaskState, type RetentionLimits } from './task-store.js';
export { judgeCompleted, afterLeaseLoss, afterResult, type CompletedVerdict } from './lease-rules.js';
export { checkSocketMode, prepareUnixSocket, bindUnixSocket } from './unix-socket.js';
