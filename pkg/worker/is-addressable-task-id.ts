/** Longest task id a worker takes, in UTF-8 bytes (the orchestrator's ids are 36-character UUIDs). */
export const MAX_TASK_ID_BYTES = 1024;

// Matches code points, so a surrogate only matches when it is unpaired.
const UNFIT = /[\p{Cc}\uD800-\uDFFF]/u;

/**
 * Whether an assignment's task id can address the messages about it. Pure.
 *
 * Refused: the empty id (an empty WorkerMessage.task_id is the stream's hello, and the
 * orchestrator could not match a result to it), more than 1024 bytes, control characters (the id
 * goes into logs and container labels) and unpaired surrogates (protobuf would send them back as
 * U+FFFD, so the echo would name another task).
 */
export function isAddressableTaskId(taskId: string): boolean {
  return taskId !== '' && Buffer.byteLength(taskId, 'utf8') <= MAX_TASK_ID_BYTES && !UNFIT.test(taskId);
}
