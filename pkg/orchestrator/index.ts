export { createOrchestrator, type Orchestrator, type OrchestratorOptions } from './create-orchestrator.js';
export { createTaskBroker, type TaskBroker, type TaskBrokerOptions, type WorkerSession, type SubmittedTask } from './task-broker.js';
export { createAgentService } from './agent-service.js';
export { createTaskService } from './task-service.js';
export { createErrorMiddleware, toServerError } from './error-middleware.js';
export { selectWorker, type WorkerCandidate, type WorkerChoice, type DispatchRequest } from './select-worker.js';
export { validateTask, isBuiltinTool, type TaskLimits } from './validate-task.js';
export { createResultStore, type ResultStore } from './result-store.js';
export { checkSocketMode, prepareUnixSocket, bindUnixSocket } from './unix-socket.js';
