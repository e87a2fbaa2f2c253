export { ERROR_CODES, isErrorCode, type ErrorCode } from './error-code.js';
export { EXIT_CAUSES, exitCause, isRetryable, type ExitCause, type TerminationCause } from './termination-cause.js';
export { WorkerError, isWorkerError, toTaskError } from './worker-error.js';
