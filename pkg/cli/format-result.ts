import { TaskState, type TaskResult } from '../gen/agent/v1/agent.js';

/** What `task run --json` prints. */
export interface ResultJson {
  readonly taskId: string;
  readonly state: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly durationMs: number;
  readonly worker: string;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** `COMPLETED`, `FAILED`, `TIMEOUT`, `CANCELLED` (or `UNSPECIFIED`...) for a TaskState. */
export function stateName(state: TaskState): string {
  const name = TaskState[state] as string | undefined;
  return name === undefined ? `UNKNOWN_${state}` : name.replace(/^TASK_STATE_/, '');
}

export function toResultJson(taskId: string, result: TaskResult): ResultJson {
  return {
    taskId,
    state: stateName(result.state),
    exitCode: result.exitCode,
    stdout: Buffer.from(result.stdout).toString('utf8'),
    stderr: Buffer.from(result.stderr).toString('utf8'),
    stdoutTruncated: result.stdoutTruncated,
    stderrTruncated: result.stderrTruncated,
    durationMs: result.durationMs,
    worker: result.worker,
    error: result.error ? { code: result.error.code, message: result.error.message } : null,
  };
}

/** The line printed to stderr for a result that carries an error. */
export function formatErrorLine(error: { code: string; message: string }): string {
  return `error ${error.code}: ${error.message}\n`;
}
