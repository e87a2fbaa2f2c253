export { ERROR_CODES, isErrorCode, type ErrorCode } from './error-code.js';
export { WorkerError, isWorkerError, toTaskError } from './worker-error.js';
