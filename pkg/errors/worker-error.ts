import type { ErrorCode } from './error-code.js';

/** An error with a stable code, safe to show to the caller that caused it. */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isWorkerError(error: unknown): error is WorkerError {
  return error instanceof WorkerError;
}

/** The code and message to report for any error: unknown errors become INTERNAL without internals. */
export function toTaskError(error: unknown): { code: ErrorCode; message: string } {
  if (isWorkerError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: 'internal error in the worker' };
}
