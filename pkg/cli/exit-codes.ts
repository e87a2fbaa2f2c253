import { TaskState, type TaskResult } from '../gen/agent/v1/agent.js';

/** Exit statuses of `task`, beside the tool's own exit code for a completed task. */
export const EXIT = Object.freeze({
  OK: 0,
  NOT_FOUND: 1,
  TIMEOUT: 124,
  /** The task could not run (error result), or the orchestrator could not be reached. */
  FAILED: 125,
  USAGE: 126,
  CANCELLED: 130,
});

/** The tool's exit code when it completed (0..255), 124 timeout, 130 cancelled, 125 otherwise. */
export function exitCodeForResult(result: Pick<TaskResult, 'state' | 'exitCode'>): number {
  switch (result.state) {
    case TaskState.TASK_STATE_COMPLETED:
      return Number.isInteger(result.exitCode) && result.exitCode >= 0 && result.exitCode <= 255 ? result.exitCode : EXIT.FAILED;
    case TaskState.TASK_STATE_TIMEOUT:
      return EXIT.TIMEOUT;
    case TaskState.TASK_STATE_CANCELLED:
      return EXIT.CANCELLED;
    default:
      return EXIT.FAILED;
  }
}
