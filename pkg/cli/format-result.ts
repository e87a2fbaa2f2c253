import type { GetTaskResponse, TaskResult } from '../gen/agent/v1/agent.js';
import { taskStateName } from '../protocol/index.js';
import { paintState, plain, type Paint } from './terminal-style.js';

/** What `task run --json` prints, and `task get --json` for a finished task. */
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
  /** Why the task ended (COMPLETED, NON_ZERO_EXIT, OUTPUT_TRUNCATED, or an error code). */
  readonly cause: string;
  /** Whether running it again may succeed. */
  readonly retryable: boolean;
  /** Which run of the task this was (1 = first). */
  readonly attempt: number;
  /** The OCI runtime and the confinement profile the container ran under ('' when none ran). */
  readonly runtime: string;
  readonly profile: string;
}

/**
 * What `task get --json` prints for a task that has not finished: the same keys, with the
 * result's fields null; `state` is QUEUED or RUNNING, `worker` the one holding it ('' while
 * queued), `attempt` the current or last run (0 before the first).
 */
export type PendingTaskJson = {
  readonly [K in keyof ResultJson]: K extends 'taskId' | 'state' | 'worker' | 'attempt' ? ResultJson[K] : null;
};

/** `COMPLETED`, `FAILED`, `TIMEOUT`, `CANCELLED` (or `UNSPECIFIED`...) for a TaskState (pkg/protocol's taskStateName). */
export const stateName = taskStateName;

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
    cause: result.cause,
    retryable: result.retryable,
    attempt: result.attempt,
    runtime: result.runtime,
    profile: result.profile,
  };
}

/** `task get --json`: the result's JSON once finished, else the pending form. */
export function toTaskJson(task: GetTaskResponse): ResultJson | PendingTaskJson {
  if (task.result) return toResultJson(task.taskId, task.result);
  return {
    taskId: task.taskId,
    state: stateName(task.state),
    exitCode: null,
    stdout: null,
    stderr: null,
    stdoutTruncated: null,
    stderrTruncated: null,
    durationMs: null,
    worker: task.worker,
    error: null,
    cause: null,
    retryable: null,
    attempt: task.attempt,
    runtime: null,
    profile: null,
  };
}

/** `task get` without --json: one `key  value` line each, then the output, if any. */
export function formatTaskSummary(task: GetTaskResponse): string {
  const rows: Array<[string, string]> = [
    ['task', task.taskId],
    ['tool', task.toolType],
    ['state', stateName(task.state)],
  ];
  const worker = task.worker === '' ? '-' : task.worker;
  rows.push(['worker', task.attempt > 0 ? `${worker} (attempt ${task.attempt})` : worker]);
  const result = task.result;
  let output = '';
  if (result) {
    rows.push(
      ['exit code', String(result.exitCode)],
      ['cause', result.cause + (result.retryable ? ' (retryable)' : '')],
      ['duration', `${result.durationMs} ms`],
      ['stdout', describeOutput(result.stdout, result.stdoutTruncated)],
      ['stderr', describeOutput(result.stderr, result.stderrTruncated)],
    );
    if (result.error) rows.push(['error', `${result.error.code}: ${result.error.message}`]);
    output += section('stdout', result.stdout) + section('stderr', result.stderr);
  }
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}\n`).join('') + output;
}

function describeOutput(bytes: Uint8Array, truncated: boolean): string {
  return `${bytes.length} bytes${truncated ? ' (truncated)' : ''}`;
}

function section(name: string, bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  const text = Buffer.from(bytes).toString('utf8');
  return `--- ${name} ---\n${text}${text.endsWith('\n') ? '' : '\n'}`;
}

/** The line printed to stderr for a result that carries an error. */
export function formatErrorLine(error: { code: string; message: string }): string {
  return `error ${error.code}: ${error.message}\n`;
}

/**
 * The line `task run` prints to stderr once a task ended (not with --json): its id, state (in
 * colour when `paint` colours), the worker that ran it, exit code, duration, attempt and cause.
 * `task 3f2c… COMPLETED on w1 (exit 0, 21 ms)`.
 */
export function formatResultLine(taskId: string, result: TaskResult, paint: Paint = plain): string {
  const details: string[] = [];
  if (result.exitCode >= 0) details.push(`exit ${result.exitCode}`);
  if (result.durationMs > 0) details.push(`${result.durationMs} ms`);
  if (result.attempt > 1) details.push(`attempt ${result.attempt}`);
  // A cause the rest does not already say (OUTPUT_TRUNCATED, say).
  const said = ['', stateName(result.state), 'NON_ZERO_EXIT', result.error?.code ?? ''];
  if (!said.includes(result.cause)) details.push(result.cause);
  return (
    `task ${taskId || '(unknown)'} ${paintState(paint, result.state, stateName(result.state))}` +
    (result.worker === '' ? '' : ` on ${paint('bold', result.worker)}`) +
    (details.length === 0 ? '' : ` (${details.join(', ')})`) +
    '\n'
  );
}
