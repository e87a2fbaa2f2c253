import { ERROR_CODES, EXIT_CAUSES, isRetryable, type TerminationCause } from '../errors/index.js';
import type { FinalState } from './task-states.js';

/** One row of the closed list of causes (TaskResult.cause; docs/protocol.md, "Causes"). */
export interface CauseRow {
  readonly cause: TerminationCause;
  /** The state a task ends in with this cause. */
  readonly state: FinalState;
  /** Whether running the same task again may succeed (TaskResult.retryable). */
  readonly retryable: boolean;
}

/** The state each cause ends a task in; every cause not named here ends it FAILED. */
const STATE_OF: Partial<Record<TerminationCause, FinalState>> = {
  COMPLETED: 'COMPLETED',
  NON_ZERO_EXIT: 'COMPLETED',
  OUTPUT_TRUNCATED: 'COMPLETED',
  TOOL_TIMEOUT: 'TIMEOUT',
  CANCELLED: 'CANCELLED',
  // The worker stopped it on its way out; the orchestrator runs it again while attempts remain.
  WORKER_SHUTDOWN: 'CANCELLED',
};

/** The state a task ends in with `cause`. */
export function stateOfCause(cause: TerminationCause): FinalState {
  return STATE_OF[cause] ?? 'FAILED';
}

/** Every cause, in the order of the table: the tool's own exits, then the error codes. */
export const CAUSES: readonly CauseRow[] = Object.freeze(
  [...EXIT_CAUSES, ...ERROR_CODES].map((cause) => Object.freeze({ cause, state: stateOfCause(cause), retryable: isRetryable(cause) })),
);

const KNOWN: ReadonlySet<string> = new Set(CAUSES.map((row) => row.cause));

/** Whether `cause` is one of the closed list (a newer peer may send one this build does not know). */
export function isKnownCause(cause: string): cause is TerminationCause {
  return KNOWN.has(cause);
}
