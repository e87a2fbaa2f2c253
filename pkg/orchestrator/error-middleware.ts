import type { Logger } from 'winston';
import { ServerError, Status, type CallContext, type ServerMiddlewareCall } from 'nice-grpc-common';
import { isWorkerError, type ErrorCode } from '../errors/index.js';
import { isQueueLimitError } from './queue-ledger.js';

const STATUS_BY_CODE: Partial<Record<ErrorCode, Status>> = {
  UNKNOWN_TOOL: Status.INVALID_ARGUMENT,
  INVALID_PARAMS: Status.INVALID_ARGUMENT,
  PATH_ESCAPE: Status.INVALID_ARGUMENT,
  INVALID_URL: Status.INVALID_ARGUMENT,
  INVALID_PATTERN: Status.INVALID_ARGUMENT,
  MOUNT_NOT_FOUND: Status.FAILED_PRECONDITION,
  MESSAGE_TOO_LARGE: Status.RESOURCE_EXHAUSTED,
  NO_WORKER: Status.UNAVAILABLE,
  WORKER_SHUTDOWN: Status.UNAVAILABLE,
  WORKER_LOST: Status.UNAVAILABLE,
  ENGINE_UNAVAILABLE: Status.UNAVAILABLE,
  TOOL_TIMEOUT: Status.DEADLINE_EXCEEDED,
  CANCELLED: Status.CANCELLED,
  INTERNAL: Status.INTERNAL,
};

/**
 * Longest status message sent, in UTF-16 code units. Messages may quote what a caller sent (an
 * unknown id, a name): grpc-js cannot deliver a status whose trailers are too large (a
 * message of a few MiB), and the call then never ends; longer ones are cut.
 */
export const MAX_STATUS_DETAILS = 1024;

/** The error itself when its message is short enough, else the same status with the message cut. */
export function boundStatusDetails(error: ServerError): ServerError {
  if (error.details.length <= MAX_STATUS_DETAILS) return error;
  let head = error.details.slice(0, MAX_STATUS_DETAILS);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1); // never half a surrogate pair
  return new ServerError(error.code, `${head}… (cut from ${error.details.length} characters)`);
}

function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/**
 * The one place where errors thrown by handlers become gRPC statuses: ServerError and abort
 * errors pass through, a WorkerError keeps its message under a status chosen by its code, a
 * QueueLimitError (a submission past a queue limit) becomes RESOURCE_EXHAUSTED with its message
 * (which names the option), and anything else becomes UNKNOWN without internals (and is logged).
 */
export function toServerError(error: unknown): ServerError {
  if (error instanceof ServerError) return error;
  if (isQueueLimitError(error)) return boundStatusDetails(new ServerError(Status.RESOURCE_EXHAUSTED, error.message));
  if (isWorkerError(error)) {
    return boundStatusDetails(new ServerError(STATUS_BY_CODE[error.code] ?? Status.FAILED_PRECONDITION, `${error.code}: ${error.message}`));
  }
  return new ServerError(Status.UNKNOWN, 'internal error in the orchestrator');
}

export function createErrorMiddleware(logger: Logger) {
  return async function* errorMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response>,
    context: CallContext,
  ): AsyncGenerator<Response, Response | void, undefined> {
    try {
      return yield* call.next(call.request, context);
    } catch (error) {
      if (error instanceof ServerError) throw boundStatusDetails(error);
      if (isAbortError(error)) throw error;
      if (!isWorkerError(error) && !isQueueLimitError(error)) {
        logger.error('unexpected error in a gRPC handler', {
          method: call.method.path,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
      throw toServerError(error);
    }
  };
}
