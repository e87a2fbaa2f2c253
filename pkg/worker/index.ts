export { createExecutorFor, createWorker, type CreateWorkerOptions, type WorkerParts } from './create-worker.js';
export { abortKindOf, TaskAbortReason, type TaskAbortKind } from './task-abort-reason.js';
export { TaskExecutor, type RunTaskOptions, type TaskExecutorOptions } from './task-executor.js';
export type { FinalState, TaskOutcome, TaskProgress } from './task-outcome.js';
export { ReconnectExhaustedError, WorkerAgent, type WorkerAgentOptions } from './worker-agent.js';
export type { WorkerState } from './worker-state.js';
