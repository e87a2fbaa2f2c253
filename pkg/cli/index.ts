export { parseTaskArgs, type TaskCommand, type ParamSource } from './parse-task-args.js';
export { readParamValues } from './read-param-values.js';
export { executeTaskCommand, type TaskCliDeps, type CliOutput } from './execute-task-command.js';
export { EXIT, exitCodeForResult } from './exit-codes.js';
export { toResultJson, toTaskJson, formatTaskSummary, stateName, formatErrorLine, type ResultJson, type PendingTaskJson } from './format-result.js';
export { formatWorkersTable, toWorkerJson, type WorkerJson } from './format-workers.js';
export { describeRpcError } from './describe-rpc-error.js';
export { TASK_USAGE, DEFAULT_ORCHESTRATOR_ADDR } from './task-usage.js';
export { UsageError } from './usage-error.js';
