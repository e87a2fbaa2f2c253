// The library: embed a worker, or run tool tasks in containers without an orchestrator.
export { bootstrap, type BootstrapOptions, type BootstrappedWorker } from './library/bootstrap.js';
export { createExecutor, wrapExecutor, type CreateExecutorOptions, type ExecuteTaskResult, type Executor } from './library/create-executor.js';
export { toTask, type ExecuteTaskRequest } from './library/execute-task-request.js';
export {
  allToolSpecs,
  defaultToolRegistry,
  defaultWorkerConfig,
  getToolSpec,
  registerToolSpec,
  type WorkerConfigOverrides,
} from './library/default-tool-registry.js';
export { fetchUrl, fileRead, webSearch } from './library/tool-helpers.js';

export { loadWorkerConfig, parseWorkerArgs, ConfigError, type WorkerConfig } from './config/index.js';
export { ERROR_CODES, WorkerError, isWorkerError, type ErrorCode } from './errors/index.js';
export { parseMountRoot, type MountRoot, type RootUser } from './mounts/index.js';
export { createLogger, type Logger, type LogOptions } from './log/index.js';
export {
  createBuiltinToolRegistry,
  defineCustomTool,
  ToolRegistry,
  type CustomToolDefinition,
  type ResourceLimits,
  type TaskParams,
  type ToolInvocation,
  type ToolSpec,
} from './tools/index.js';
export { TaskExecutor, WorkerAgent, createWorker, type FinalState, type RunOutcome, type WorkerState } from './worker/index.js';
/** @deprecated Renamed RunOutcome (how one run of a task ended); this name goes in the next major version. */
export type TaskOutcome = import('./worker/index.js').RunOutcome;
