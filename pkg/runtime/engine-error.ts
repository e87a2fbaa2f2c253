import { WorkerError } from '../errors/index.js';

/** Maps an error from the Docker engine (or from reaching it) to a typed WorkerError. */
export function toEngineError(operation: string, image: string, error: unknown): WorkerError {
  if (error instanceof WorkerError) return error;
  const e = error as { statusCode?: number; code?: string; message?: string; json?: { message?: string } };
  const detail = e.json?.message ?? e.message ?? String(error);
  if (e.statusCode === 404 && operation === 'create' && /no such image/i.test(detail)) {
    return new WorkerError(
      'IMAGE_MISSING',
      `image ${image} is not present on the Docker engine; build it with \`make images\` (no registry is used)`,
      { cause: error },
    );
  }
  if (
    e.code === 'ECONNREFUSED' ||
    e.code === 'ENOENT' ||
    e.code === 'EACCES' ||
    e.code === 'ECONNRESET' ||
    e.code === 'EPIPE' ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  ) {
    return new WorkerError('ENGINE_UNAVAILABLE', `Docker engine did not answer (${operation}): ${detail}`, {
      cause: error,
    });
  }
  return new WorkerError('CONTAINER_FAILED', `Docker engine refused ${operation}: ${detail}`, { cause: error });
}
