import { exitCause, isRetryable, type ErrorCode } from '../errors/index.js';
import { TaskState, type TaskResult } from '../gen/agent/v1/agent.js';
import { isFinalTaskState, isKnownCause } from '../protocol/index.js';
import type { BrokerTask } from './broker-task.js';

/** An error the orchestrator itself ends a task with. */
export interface OrchestratorError {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * How one attempt of a task ended (the worker's `completed`, or the orchestrator's own decision),
 * before the orchestrator adds the output, the worker's name and the attempt number.
 */
export interface AttemptOutcome
  extends Pick<
    TaskResult,
    'state' | 'exitCode' | 'durationMs' | 'error' | 'runtime' | 'profile' | 'stdoutTruncated' | 'stderrTruncated' | 'cause' | 'retryable' | 'outputNotKept'
  > {
  /** The whole output, when the worker sent it with the result (output_included). */
  readonly output?: { readonly stdout: Buffer; readonly stderr: Buffer };
}

/** exitCode of results the orchestrator makes for tasks whose tool never exited on its own. */
export const NO_EXIT_CODE = -1;

/** An outcome decided by the orchestrator (the tool did not run, or its worker was lost): cause = the code. */
export function orchestratorOutcome(
  error: OrchestratorError,
  durationMs = 0,
  state: TaskState = TaskState.TASK_STATE_FAILED,
): AttemptOutcome {
  return {
    state,
    exitCode: NO_EXIT_CODE,
    durationMs,
    error: { code: error.code, message: error.message },
    runtime: '',
    profile: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    cause: error.code,
    retryable: isRetryable(error.code),
    outputNotKept: false,
  };
}

/**
 * The worker's `completed` message. A non-final state is a protocol error and fails the task
 * (INTERNAL); a missing cause is derived from the state, error and exit code.
 */
export function workerOutcome(result: TaskResult): AttemptOutcome {
  if (!isFinalTaskState(result.state)) {
    return orchestratorOutcome(
      { code: 'INTERNAL', message: `the worker reported a non-final state (${result.state}) as the result` },
      result.durationMs,
    );
  }
  const cause = result.cause !== '' ? result.cause : deriveCause(result);
  return {
    state: result.state,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    error: result.error,
    runtime: result.runtime,
    profile: result.profile,
    stdoutTruncated: result.stdoutTruncated,
    stderrTruncated: result.stderrTruncated,
    cause,
    // docs/protocol.md §2: a cause this build does not know is a failure that is not retryable.
    retryable: result.retryable && isKnownCause(cause),
    // The worker could not keep its copy: what the client has is what was streamed.
    outputNotKept: result.outputNotKept,
    ...(result.outputIncluded ? { output: { stdout: Buffer.from(result.stdout), stderr: Buffer.from(result.stderr) } } : {}),
  };
}

function deriveCause(result: TaskResult): string {
  if (result.error !== undefined && result.error.code !== '') return result.error.code;
  switch (result.state) {
    case TaskState.TASK_STATE_COMPLETED:
      return exitCause(result.exitCode, result.stdoutTruncated || result.stderrTruncated);
    case TaskState.TASK_STATE_TIMEOUT:
      return 'TOOL_TIMEOUT';
    case TaskState.TASK_STATE_CANCELLED:
      return 'CANCELLED';
    default:
      return 'INTERNAL';
  }
}

/**
 * The result clients get: the outcome with the output (the worker's own copy when it sent one,
 * else the chunks assembled so far), capped at `capBytes` per stream, the lease holder's name
 * and the attempt.
 */
export function assembleResult(task: BrokerTask, outcome: AttemptOutcome, capBytes: number): TaskResult {
  const { output, ...rest } = outcome;
  const stdout = output ? output.stdout.subarray(0, capBytes) : task.output.stdout.bytes();
  const stderr = output ? output.stderr.subarray(0, capBytes) : task.output.stderr.bytes();
  const cutStdout = output ? output.stdout.length > capBytes : task.output.stdout.truncated;
  const cutStderr = output ? output.stderr.length > capBytes : task.output.stderr.truncated;
  return {
    ...rest,
    stdout: Buffer.from(stdout),
    stderr: Buffer.from(stderr),
    stdoutTruncated: outcome.stdoutTruncated || cutStdout,
    stderrTruncated: outcome.stderrTruncated || cutStderr,
    worker: task.worker?.registration.name ?? task.workerName,
    outputIncluded: true,
    attempt: task.attempt,
  };
}
