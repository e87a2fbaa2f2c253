import { ClientError, Status } from 'nice-grpc-common';
import { isWorkerError } from '../errors/index.js';
import { TaskState, type Task, type TaskResult, type TaskServiceClient } from '../gen/agent/v1/agent.js';
import { paramsFromStrings, streamName } from '../protocol/index.js';
import type { CliOutput } from './cli-output.js';
import { describeRpcError } from './describe-rpc-error.js';
import { EXIT, exitCodeForResult } from './exit-codes.js';
import { formatErrorLine, formatResultLine, formatTaskSummary, toResultJson, toTaskJson } from './format-result.js';
import { formatWorkersTable, toWorkerJson } from './format-workers.js';
import { printable, printableStrings } from './printable.js';
import type { TaskCommand } from './parse-task-args.js';
import { readParamValues } from './read-param-values.js';
import { createRunDisplay, type RunDisplay } from './run-display.js';
import { TASK_USAGE } from './task-usage.js';
import { colorEnabled, isInteractive, painter } from './terminal-style.js';
import { UsageError } from './usage-error.js';
import { watchTasks } from './watch-command.js';

export type { CliOutput } from './cli-output.js';

export interface TaskCliDeps {
  readonly client: TaskServiceClient;
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readFile(path: string): Promise<Uint8Array>;
  /** Aborted on Ctrl-C: a running task's call is aborted, which makes the orchestrator cancel it. */
  readonly signal: AbortSignal;
  /** Deadline of the short calls (SubmitTask, GetTask, ListWorkers, ListTasks, CancelTask). RunTask has none. */
  readonly rpcTimeoutMs: number;
  /** NO_COLOR, FORCE_COLOR and TERM decide colours and the progress line (default: none set). */
  readonly env?: Readonly<Record<string, string | undefined>>;
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
    case 'watch':
      return watchTasks(command, { ...deps, env: deps.env ?? {} });
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
    deps.stdout.write(command.json ? `${JSON.stringify(workers.map(toWorkerJson), null, 2)}\n` : formatWorkersTable(printableStrings(workers)));
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
    deps.stdout.write(command.json ? `${JSON.stringify(toTaskJson(task))}\n` : formatTaskSummary(printableStrings(task)));
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
    const { taskId } = await deps.client.submitTask(
      { task, worker: command.worker, group: command.group, labels: { ...command.labels } },
      { signal: callSignal(deps) },
    );
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

  const env = deps.env ?? {};
  const stderrTty = deps.stderr.isTTY === true;
  const display = createRunDisplay({
    stdout: deps.stdout,
    stderr: deps.stderr,
    progress: !command.json && isInteractive(stderrTty, env),
    paint: painter(!command.json && colorEnabled(stderrTty, env)),
    now: () => Date.now(),
  });
  try {
    return await followTask(command, task, deps, display);
  } finally {
    display.stop();
  }
}

/** RunTask: prints the output as it comes (or collects it for --json), then the result. */
async function followTask(command: Extract<TaskCommand, { kind: 'run' }>, task: Task, deps: TaskCliDeps, display: RunDisplay): Promise<number> {
  let taskId = '';
  let result: TaskResult | undefined;
  // Bytes of each stream already printed (live mode) or collected (JSON mode).
  const seen = { stdout: [] as Buffer[], stderr: [] as Buffer[], stdoutBytes: 0, stderrBytes: 0 };
  const request = { task, worker: command.worker, group: command.group, labels: { ...command.labels } };
  try {
    for await (const event of deps.client.runTask(request, { signal: deps.signal })) {
      taskId = event.taskId;
      const e = event.event;
      if (e?.$case === 'output') {
        const isStdout = streamName(e.output.stream) === 'stdout';
        if (isStdout) seen.stdoutBytes += e.output.data.length;
        else seen.stderrBytes += e.output.data.length;
        display.progress({ bytes: seen.stdoutBytes + seen.stderrBytes });
        if (command.json) (isStdout ? seen.stdout : seen.stderr).push(e.output.data);
        else await display.output(isStdout ? 'stdout' : 'stderr', e.output.data);
      } else if (e?.$case === 'submitted') {
        display.progress(e.submitted.worker === '' ? { phase: 'queued' } : { phase: 'assigned', worker: printable(e.submitted.worker) });
      } else if (e?.$case === 'running') {
        // Another attempt (the task runs again elsewhere): its output starts over.
        seen.stdout = [];
        seen.stderr = [];
        seen.stdoutBytes = 0;
        seen.stderrBytes = 0;
        display.progress({ phase: 'running', attempt: display.state.attempt + 1, bytes: 0 });
        learnWorker(taskId, deps, display);
      } else if (e?.$case === 'result') {
        result = e.result;
      }
    }
  } catch (error) {
    if (!deps.signal.aborted) {
      display.stop();
      deps.stderr.write(describeRpcError(error, command.addr));
      return EXIT.FAILED;
    }
    // Ctrl-C: the aborted call makes the orchestrator cancel the task.
    const interrupted: TaskResult = {
      outputNotKept: false,
      state: TaskState.TASK_STATE_CANCELLED,
      exitCode: -1,
      stdout: Buffer.concat(seen.stdout),
      stderr: Buffer.concat(seen.stderr),
      stdoutTruncated: false,
      stderrTruncated: false,
      durationMs: 0,
      error: { code: 'CANCELLED', message: 'interrupted; the task is being cancelled' },
      worker: display.state.worker,
      runtime: '',
      profile: '',
      cause: 'CANCELLED',
      retryable: false,
      outputIncluded: true,
      attempt: display.state.attempt,
    };
    return finish(command.json, taskId, interrupted, seen, deps, display, false);
  }
  if (result === undefined) {
    display.line(`error: the orchestrator ended task ${taskId || '(unknown)'} without a result\n`);
    return EXIT.FAILED;
  }
  return finish(command.json, taskId, result, seen, deps, display, true);
}

/**
 * The worker of a run, for the progress line: `running` does not name it when the task waited in
 * the queue or moved to another worker. Best effort; nothing when the line is not shown.
 */
function learnWorker(taskId: string, deps: TaskCliDeps, display: RunDisplay): void {
  if (!display.showsProgress || taskId === '') return;
  deps.client.getTask({ taskId }, { signal: callSignal(deps) }).then(
    (task) => {
      if (task.worker !== '' && task.attempt === display.state.attempt) display.progress({ worker: printable(task.worker) });
    },
    () => undefined,
  );
}

function finish(
  json: boolean,
  taskId: string,
  result: TaskResult,
  seen: { stdoutBytes: number; stderrBytes: number },
  deps: TaskCliDeps,
  display: RunDisplay,
  catchUp: boolean,
): number {
  if (json) {
    display.stop();
    deps.stdout.write(`${JSON.stringify(toResultJson(taskId, result))}\n`);
  } else {
    // Output the orchestrator could not stream to us (we lagged) is in the result: print the rest.
    if (catchUp && result.stdout.length > seen.stdoutBytes) void display.output('stdout', result.stdout.subarray(seen.stdoutBytes));
    if (catchUp && result.stderr.length > seen.stderrBytes) void display.output('stderr', result.stderr.subarray(seen.stderrBytes));
    display.stop();
    const shown = printableStrings(result);
    if (shown.error) display.line(formatErrorLine(shown.error));
    display.line(formatResultLine(taskId, shown, display.paint));
  }
  return exitCodeForResult(result);
}
