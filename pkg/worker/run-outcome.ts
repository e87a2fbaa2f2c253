import { exitCause, isRetryable, type ErrorCode, type TerminationCause } from '../errors/index.js';
import type { FinalState } from '../protocol/index.js';
import type { OutputStreamName } from '../runtime/index.js';

export type { FinalState };

/** How one run of a task ended, as the executor saw it. Output is not here: it was streamed as TaskProgress events. */
export interface RunOutcome {
  readonly state: FinalState;
  /** Why: the exit cause when the tool exited by itself, else the error's code. Always set. */
  readonly cause: TerminationCause;
  /** Whether running the task again may succeed (the fault was not the task's). */
  readonly retryable: boolean;
  /** The process's exit code; -1 when no process ran to an exit of its own. */
  readonly exitCode: number;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly durationMs: number;
  readonly runtime: string;
  /** The confinement profile the container was checked against (describeConfinement); empty when none ran. */
  readonly profile: string;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

/** What a task reports while it runs. */
export type TaskProgress =
  | { readonly type: 'running'; readonly containerId: string; readonly runtime: string; readonly profile: string }
  | { readonly type: 'output'; readonly stream: OutputStreamName; readonly data: Buffer };

export interface OutcomeFacts {
  readonly exitCode?: number;
  readonly stdoutTruncated?: boolean;
  readonly stderrTruncated?: boolean;
  readonly durationMs: number;
  readonly runtime: string;
  readonly profile?: string;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

/** The one place a cause and its retryable flag are derived: from the error, else from the exit. */
export function makeOutcome(state: FinalState, facts: OutcomeFacts): RunOutcome {
  const exitCode = facts.exitCode ?? -1;
  const stdoutTruncated = facts.stdoutTruncated ?? false;
  const stderrTruncated = facts.stderrTruncated ?? false;
  const cause: TerminationCause = facts.error?.code ?? exitCause(exitCode, stdoutTruncated || stderrTruncated);
  return {
    state,
    cause,
    retryable: isRetryable(cause),
    exitCode,
    stdoutTruncated,
    stderrTruncated,
    durationMs: facts.durationMs,
    runtime: facts.runtime,
    profile: facts.profile ?? '',
    ...(facts.error ? { error: facts.error } : {}),
  };
}
