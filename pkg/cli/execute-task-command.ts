import { ClientError, Status } from 'nice-grpc-common';
import { isWorkerError } from '../errors/index.js';
import { OutputStream, TaskState, type Task, type TaskResult, type TaskServiceClient } from '../gen/agent/v1/agent.js';
import { paramsFromStrings } from '../tools/index.js';
import { describeRpcError } from './describe-rpc-error.js';
import { EXIT, exitCodeForResult } from './exit-codes.js';
import { formatErrorLine, formatTaskSummary, toResultJson, toTaskJson } from './format-result.js';
import { formatWorkersTable, toWorkerJson } from './format-workers.js';
import type { TaskCommand } from './parse-task-args.js';
import { readParamValues } from './read-param-values.js';
import { TASK_USAGE } from './task-usage.js';
import { UsageError } from './usage-error.js';

export interface CliOutput {
  /** False when the output is full (a Writable): the task's output then waits for `drain`. */
  write(chunk: string | Uint8Array): unknown;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Writes a chunk of a task's output, waiting while the output is full so that the stream's back-pressure reaches the orchestrator. */
async function writeOutput(out: CliOutput, data: Uint8Array): Promise<void> {
  if (out.write(data) !== false || out.once === undefined) return;
  await new Promise<void>((resolve) => out.once?.('drain', resolve));
}

export interface TaskCliDeps {
  readonly client: TaskServiceClient;
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readFile(path: string): Promise<Uint8Array>;
  /** Aborted on Ctrl-C: a running task's call is aborted, which makes the orchestrator cancel it. */
  readonly signal: AbortSignal;
  /** Deadline of the short calls (SubmitTask, GetTask, ListWorkers, CancelTask). RunTask has none. */
  readonly rpcTimeoutMs: number;
}

/** Runs one parsed `task` command and returns the exit status. */
export async function executeTaskCommand(command: Exclude<TaskCommand, { kind: 'help' }>, deps: TaskCliDeps): Promise<number> {
  switch (command.kind) {
    case 'run':
      return runTask(command, deps);
    case 'get':
      return getTask(command, deps);
    case 'workers':
      return listWorkers(command, deps);
    case 'cancel':
      return cancelTask(command, deps);
  }
}

function callSignal(deps: TaskCliDeps): AbortSignal {
  return AbortSignal.any([deps.signal, AbortSignal.timeout(deps.rpcTimeoutMs)]);
}

async function listWorkers(command: Extract<TaskCommand, { kind: 'workers' }>, deps: TaskCliDeps): Promise<number> {
  try {
    const { workers } = await deps.client.listWorkers({}, { signal: callSignal(deps) });
    deps.stdout.write(command.json ? `${JSON.stringify(workers.map(toWorkerJson), null, 2)}\n` : formatWorkersTable(workers));
    return EXIT.OK;
  } catch (error) {
    if (deps.signal.aborted) return EXIT.CANCELLED;
    deps.stderr.write(describeRpcError(error, command.addr));
    return EXIT.FAILED;
  }
}

async function cancelTask(command: Extract<TaskCommand, { kind: 'cancel' }>, deps: TaskCliDeps): Promise<number> {
  try {
    const { found } = await deps.client.cancelTask({ taskId: command.taskId, force: command.force }, { signal: callSignal(deps) });
    deps.stdout.write(found ? `cancelling ${command.taskId}\n` : `task ${command.taskId} not found (unknown or already finished)\n`);
    return found ? EXIT.OK : EXIT.NOT_FOUND;
  } catch (error) {
    if (deps.signal.aborted) return EXIT.CANCELLED;
    deps.stderr.write(describeRpcError(error, command.addr));
    return EXIT.FAILED;
  }
}

/**
 * A finished task: its result as `run` prints it (JSON) or a summary, and run's exit code. An
 * unfinished one: its state, exit 0. Unknown (or no longer retained): exit 1.
 */
async function getTask(command: Extract<TaskCommand, { kind: 'get' }>, deps: TaskCliDeps): Promise<number> {
  try {
    const task = await deps.client.getTask({ taskId: command.taskId }, { signal: callSignal(deps) });
    deps.stdout.write(command.json ? `${JSON.stringify(toTaskJson(task))}\n` : formatTaskSummary(task));
    return task.result ? exitCodeForResult(task.result) : EXIT.OK;
  } catch (error) {
    if (deps.signal.aborted) return EXIT.CANCELLED;
    if (error instanceof ClientError && error.code === Status.NOT_FOUND) {
      deps.stderr.write(`task ${command.taskId} not found (unknown, or its result is no longer retained)\n`);
      return EXIT.NOT_FOUND;
    }
    deps.stderr.write(describeRpcError(error, command.addr));
    return EXIT.FAILED;
  }
}

async function submitTask(command: Extract<TaskCommand, { kind: 'run' }>, task: Task, deps: TaskCliDeps): Promise<number> {
  try {
    const { taskId } = await deps.client.submitTask({ task, worker: command.worker }, { signal: callSignal(deps) });
    deps.stdout.write(command.json ? `${JSON.stringify({ taskId })}\n` : `${taskId}\n`);
    return EXIT.OK;
  } catch (error) {
    if (deps.signal.aborted) return EXIT.CANCELLED;
    deps.stderr.write(describeRpcError(error, command.addr));
    return EXIT.FAILED;
  }
}

async function runTask(command: Extract<TaskCommand, { kind: 'run' }>, deps: TaskCliDeps): Promise<number> {
  let task: Task;
  try {
    const values = await readParamValues(command.params, deps.readFile);
    task = {
      toolType: command.toolType,
      mountSource: command.mount,
      writable: command.writable,
      timeoutMs: command.timeoutMs,
      sessionId: '',
      params: paramsFromStrings(command.toolType, values),
    };
  } catch (error) {
    if (!(error instanceof UsageError) && !isWorkerError(error)) throw error;
    deps.stderr.write(`error: ${error.message}\n\n${TASK_USAGE}`);
    return EXIT.USAGE;
  }
  if (command.detach) return submitTask(command, task, deps);

  let taskId = '';
  let result: TaskResult | undefined;
  // Bytes of each stream already printed (live mode) or collected (JSON mode).
  const seen = { stdout: [] as Buffer[], stderr: [] as Buffer[], stdoutBytes: 0, stderrBytes: 0 };
  try {
    for await (const event of deps.client.runTask({ task, worker: command.worker }, { signal: deps.signal })) {
      taskId = event.taskId;
      const e = event.event;
      if (e?.$case === 'output') {
        const isStdout = e.output.stream === OutputStream.OUTPUT_STREAM_STDOUT;
        if (isStdout) seen.stdoutBytes += e.output.data.length;
        else seen.stderrBytes += e.output.data.length;
        if (command.json) (isStdout ? seen.stdout : seen.stderr).push(e.output.data);
        else await writeOutput(isStdout ? deps.stdout : deps.stderr, e.output.data);
      } else if (e?.$case === 'running') {
        // Another attempt (the task runs again elsewhere): its output starts over.
        seen.stdout = [];
        seen.stderr = [];
        seen.stdoutBytes = 0;
        seen.stderrBytes = 0;
      } else if (e?.$case === 'result') {
        result = e.result;
      }
    }
  } catch (error) {
    if (!deps.signal.aborted) {
      deps.stderr.write(describeRpcError(error, command.addr));
      return EXIT.FAILED;
    }
    // Ctrl-C: the aborted call makes the orchestrator cancel the task.
    const interrupted: TaskResult = {
      state: TaskState.TASK_STATE_CANCELLED,
      exitCode: -1,
      stdout: Buffer.concat(seen.stdout),
      stderr: Buffer.concat(seen.stderr),
      stdoutTruncated: false,
      stderrTruncated: false,
      durationMs: 0,
      error: { code: 'CANCELLED', message: 'interrupted; the task is being cancelled' },
      worker: '',
      runtime: '',
      profile: '',
      cause: 'CANCELLED',
      retryable: false,
      outputIncluded: true,
      attempt: 0,
    };
    return finish(command.json, taskId, interrupted, seen, deps, false);
  }
  if (result === undefined) {
    deps.stderr.write(`error: the orchestrator ended task ${taskId || '(unknown)'} without a result\n`);
    return EXIT.FAILED;
  }
  return finish(command.json, taskId, result, seen, deps, true);
}

function finish(
  json: boolean,
  taskId: string,
  result: TaskResult,
  seen: { stdoutBytes: number; stderrBytes: number },
  deps: TaskCliDeps,
  catchUp: boolean,
): number {
  if (json) {
    deps.stdout.write(`${JSON.stringify(toResultJson(taskId, result))}\n`);
  } else {
    // Output the orchestrator could not stream to us (we lagged) is in the result: print the rest.
    if (catchUp && result.stdout.length > seen.stdoutBytes) deps.stdout.write(result.stdout.subarray(seen.stdoutBytes));
    if (catchUp && result.stderr.length > seen.stderrBytes) deps.stderr.write(result.stderr.subarray(seen.stderrBytes));
    if (result.error) deps.stderr.write(formatErrorLine(result.error));
  }
  return exitCodeForResult(result);
}
