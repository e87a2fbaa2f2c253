import { TaskState, type Task, type TaskError, type TaskResult } from '../gen/agent/v1/agent.js';
import { createOutputBuffer, type OutputBuffer } from './output-buffer.js';
import { createTaskSubscriber, type TaskSubscriber } from './task-subscriber.js';
import type { WorkerRecord } from './worker-record.js';

/**
 * Where a task is: `queued` (waiting for a worker), `assigned` (sent to a worker), `running`
 * (the worker said so), `finished` (a result exists; the record is then dropped).
 */
export type TaskPhase = 'queued' | 'assigned' | 'running' | 'finished';

export interface TaskRecord {
  readonly taskId: string;
  readonly task: Task;
  /** Agent id or name the client asked for; empty for any worker. */
  readonly target: string;
  readonly builtin: boolean;
  phase: TaskPhase;
  worker: WorkerRecord | undefined;
  assignedAtMs: number | undefined;
  readonly stdout: OutputBuffer;
  readonly stderr: OutputBuffer;
  readonly subscriber: TaskSubscriber;
}

export function createTaskRecord(input: {
  taskId: string;
  task: Task;
  target: string;
  builtin: boolean;
  outputCapBytes: number;
  subscriberBufferBytes: number;
}): TaskRecord {
  return {
    taskId: input.taskId,
    task: input.task,
    target: input.target,
    builtin: input.builtin,
    phase: 'queued',
    worker: undefined,
    assignedAtMs: undefined,
    stdout: createOutputBuffer(input.outputCapBytes),
    stderr: createOutputBuffer(input.outputCapBytes),
    subscriber: createTaskSubscriber({ maxBufferedBytes: input.subscriberBufferBytes }),
  };
}

/** How a task ended, before the orchestrator adds the assembled output and the worker's name. */
export type TaskOutcome = Pick<
  TaskResult,
  'state' | 'exitCode' | 'durationMs' | 'error' | 'runtime' | 'stdoutTruncated' | 'stderrTruncated'
>;

const FINAL_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_TIMEOUT,
  TaskState.TASK_STATE_CANCELLED,
]);

/** exitCode of results the orchestrator makes for tasks whose tool never exited on its own. */
export const NO_EXIT_CODE = -1;

/** An outcome decided by the orchestrator (the tool did not run, or its worker was lost). */
export function orchestratorOutcome(error: TaskError, durationMs = 0, state = TaskState.TASK_STATE_FAILED): TaskOutcome {
  return {
    state,
    exitCode: NO_EXIT_CODE,
    durationMs,
    error,
    runtime: '',
    stdoutTruncated: false,
    stderrTruncated: false,
  };
}

/** The worker's `completed` message; a non-final state is a protocol error and fails the task. */
export function workerOutcome(result: TaskResult): TaskOutcome {
  if (!FINAL_STATES.has(result.state)) {
    return orchestratorOutcome(
      { code: 'INTERNAL', message: `the worker reported a non-final state (${result.state}) as the result` },
      result.durationMs,
    );
  }
  return {
    state: result.state,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    error: result.error,
    runtime: result.runtime,
    stdoutTruncated: result.stdoutTruncated,
    stderrTruncated: result.stderrTruncated,
  };
}

/** The result the client gets: the outcome with the assembled output and the worker's name. */
export function assembleResult(record: TaskRecord, outcome: TaskOutcome): TaskResult {
  return {
    ...outcome,
    stdout: record.stdout.bytes(),
    stderr: record.stderr.bytes(),
    stdoutTruncated: outcome.stdoutTruncated || record.stdout.truncated,
    stderrTruncated: outcome.stderrTruncated || record.stderr.truncated,
    worker: record.worker?.name ?? '',
  };
}
