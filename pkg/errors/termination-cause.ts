import type { ErrorCode } from './error-code.js';

/**
 * Why a task ended, carried as TaskResult.cause: one of the outcomes below when the tool ran to
 * its own exit, otherwise the error code that stopped it (TOOL_TIMEOUT, CANCELLED, OUT_OF_MEMORY,
 * PID_LIMIT, IMAGE_MISSING, POLICY_DENIED, ENGINE_UNAVAILABLE, WORKER_SHUTDOWN, ...).
 */
export const EXIT_CAUSES = [
  /** Exit code 0, all output delivered. */
  'COMPLETED',
  /** The tool exited by itself with a non-zero code (e.g. grep found nothing, a file is missing). */
  'NON_ZERO_EXIT',
  /** The tool exited by itself, but its output went past the cap and was cut. */
  'OUTPUT_TRUNCATED',
] as const;

export type ExitCause = (typeof EXIT_CAUSES)[number];
export type TerminationCause = ExitCause | ErrorCode;

/**
 * Causes after which the same task may well succeed if run again (on this worker later, or on
 * another): the fault was the worker's or its engine's, not the task's.
 */
const RETRYABLE: ReadonlySet<TerminationCause> = new Set<TerminationCause>([
  'ENGINE_UNAVAILABLE',
  'CONTAINER_FAILED',
  'WORKER_SHUTDOWN',
  'WORKER_LOST',
  'LEASE_LOST',
  'AUDIT_UNAVAILABLE',
  'NO_WORKER',
  'INTERNAL',
]);

export function isRetryable(cause: TerminationCause): boolean {
  return RETRYABLE.has(cause);
}

/** The cause of a run that ended by the tool's own exit. */
export function exitCause(exitCode: number, truncated: boolean): ExitCause {
  if (truncated) return 'OUTPUT_TRUNCATED';
  return exitCode === 0 ? 'COMPLETED' : 'NON_ZERO_EXIT';
}
