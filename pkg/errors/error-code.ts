/**
 * Stable error codes. They travel on the wire (TaskError.code) and are part of the API:
 * add new ones, never rename or reuse one.
 */
export const ERROR_CODES = [
  // The task itself is malformed or hostile.
  'UNKNOWN_TOOL',
  'INVALID_PARAMS',
  'PATH_ESCAPE',
  'INVALID_URL',
  'INVALID_PATTERN',
  'MOUNT_NOT_FOUND',
  'MESSAGE_TOO_LARGE',
  'POLICY_DENIED',
  // The mount source changed (a path component was swapped, e.g. for a symbolic link) between
  // the moment it was judged and the moment it was bound: nothing was mounted.
  'MOUNT_CHANGED',
  // A built-in tool would write more than --max-write-bytes to one file: nothing was written.
  'WRITE_LIMIT',
  // The task names a session (Task.session_id); sessions are not supported yet.
  'SESSION_UNSUPPORTED',
  // The worker could not run it.
  'IMAGE_MISSING',
  'ENGINE_UNAVAILABLE',
  'CONTAINER_FAILED',
  'ISOLATION_CHECK_FAILED',
  'NO_WORKER',
  'WORKER_SHUTDOWN',
  'WORKER_LOST',
  // The orchestrator took the lease away while the run went on (the worker was paused or cut
  // off past its timeout): the run was stopped and its result is not sent.
  'LEASE_LOST',
  // The worker could not write its audit log: it runs nothing it cannot account for.
  'AUDIT_UNAVAILABLE',
  // How a run ended other than by its own exit.
  'TOOL_TIMEOUT',
  'OUT_OF_MEMORY',
  'PID_LIMIT',
  'CANCELLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: string): value is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(value);
}
