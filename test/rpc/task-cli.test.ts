import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TaskState, type Task } from '../../pkg/gen/agent/v1/agent.js';
import { createFakeWorker, type FakeWorker, type ScriptedRun } from './fake-worker.js';
import { startOrchestrator, waitFor, type Harness } from './harness.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const CLI = join(ROOT, 'cmd/task/main.ts');

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function startCli(args: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ORCHESTRATOR_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, done };
}

const runCli = (args: readonly string[], env?: Record<string, string>): Promise<CliRun> => startCli(args, env).done;

/** What the fake worker does for each file_read path / tool. */
function script(task: Task): ScriptedRun {
  const p = task.params;
  if (p?.$case === 'fileWrite') return { stdout: [`wrote ${p.fileWrite.content.length} bytes to ${p.fileWrite.path}`] };
  if (task.toolType === 'slow') return { waitForCancel: true, stdout: ['started\n'] };
  const path = p?.$case === 'fileRead' ? p.fileRead.path : '';
  switch (path) {
    case 'exit3':
      return { stdout: ['partial'], stderr: ['bad things'], exitCode: 3 };
    case 'timeout':
      return { state: TaskState.TASK_STATE_TIMEOUT, exitCode: 137, error: { code: 'TOOL_TIMEOUT', message: 'ran longer than 1s' } };
    case 'escape':
      return { state: TaskState.TASK_STATE_FAILED, exitCode: -1, error: { code: 'PATH_ESCAPE', message: 'path leaves the workspace' } };
    default:
      return { stdout: ['file ', 'contents\n'], durationMs: 21 };
  }
}

describe('task CLI against the orchestrator and a fake worker', () => {
  let h: Harness;
  let worker: FakeWorker;
  const received: Task[] = [];
  let addr: string;

  before(async () => {
    h = await startOrchestrator();
    addr = h.address;
    worker = createFakeWorker(h.channel(), {
      name: 'cli-w',
      toolTypes: ['file_read', 'file_write', 'slow'],
      maxConcurrentTasks: 4,
      script: (task) => {
        received.push(task);
        return script(task);
      },
    });
    await worker.register();
    await worker.connect();
    worker.startHeartbeats(1000);
  });
  after(async () => {
    worker.stopHeartbeats();
    await h.close();
  });

  it('run --json prints one result object and exits with the tool exit code', async () => {
    const { code, stdout, stderr } = await runCli([
      '--orchestrator-addr', addr, 'run', 'file_read', '--mount', 'test', '--param', 'path=ok.txt', '--timeout', '5s', '--json',
    ]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const json = JSON.parse(lines[0]!);
    assert.deepEqual(Object.keys(json), [
      'taskId', 'state', 'exitCode', 'stdout', 'stderr', 'stdoutTruncated', 'stderrTruncated', 'durationMs', 'worker', 'error',
      'cause', 'retryable', 'attempt', 'runtime', 'profile',
    ]);
    assert.match(json.taskId, /^[0-9a-f-]{36}$/);
    assert.equal(json.state, 'COMPLETED');
    assert.equal(json.stdout, 'file contents\n');
    assert.equal(json.durationMs, 21);
    assert.equal(json.worker, 'cli-w');
    assert.equal(json.error, null);
    assert.equal(json.cause, 'COMPLETED');
    assert.equal(json.retryable, false);
    assert.equal(json.attempt, 1);
    const task = received.at(-1)!;
    assert.equal(task.mountSource, join(ROOT, 'test'), 'the mount is resolved on the client side');
    assert.equal(task.timeoutMs, 5000);
  });

  it('run streams stdout and stderr and exits with the tool exit code', async () => {
    const { code, stdout, stderr } = await runCli(['--orchestrator-addr', addr, 'run', 'file_read', '--param', 'path=exit3']);
    assert.equal(code, 3);
    assert.equal(stdout, 'partial');
    // The tool's stderr as it was, then (on a line of its own) the result naming the worker.
    assert.match(stderr, /^bad things\ntask [0-9a-f-]{36} COMPLETED on cli-w \(exit 3, 7 ms\)\n$/);
  });

  it('exits 124 on TIMEOUT and 125 on FAILED, printing the error', async () => {
    const timeout = await runCli(['--orchestrator-addr', addr, 'run', 'file_read', '--param', 'path=timeout']);
    assert.equal(timeout.code, 124);
    assert.match(timeout.stderr, /^error TOOL_TIMEOUT: ran longer than 1s$/m);
    const failed = await runCli(['--orchestrator-addr', addr, 'run', 'file_read', '--param', 'path=escape', '--json']);
    assert.equal(failed.code, 125);
    assert.deepEqual(JSON.parse(failed.stdout).error, { code: 'PATH_ESCAPE', message: 'path leaves the workspace' });
    assert.equal(JSON.parse(failed.stdout).state, 'FAILED');
  });

  it('exits 125 with NO_WORKER when nobody serves a built-in tool, via ORCHESTRATOR_URL', async () => {
    const { code, stderr } = await runCli(['run', 'grep', '--param', 'pattern=x'], { ORCHESTRATOR_URL: addr });
    assert.equal(code, 125);
    assert.match(stderr, /^error NO_WORKER: .*grep/m);
  });

  it('exits 126 on a usage error, printing it', async () => {
    const bogus = await runCli(['--orchestrator-addr', addr, 'run', 'file_read', '--param', 'bogus=1']);
    assert.equal(bogus.code, 126);
    assert.match(bogus.stderr, /unknown parameter "bogus"/);
    assert.match(bogus.stderr, /Usage:/);
    const noTool = await runCli(['run']);
    assert.equal(noTool.code, 126);
  });

  it('reads --param key=@FILE as bytes', async () => {
    const file = join(h.dir, 'content.bin');
    const bytes = Buffer.alloc(3000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
    await writeFile(file, bytes);
    const { code, stdout } = await runCli([
      '--orchestrator-addr', addr, 'run', 'file_write', '--mount', '/tmp', '--writable', '--param', 'path=out.bin', '--param', `content=@${file}`,
    ]);
    assert.equal(code, 0);
    assert.equal(stdout, 'wrote 3000 bytes to out.bin');
    const task = received.at(-1)!;
    assert.equal(task.writable, true);
    assert.deepEqual(task.params?.$case === 'fileWrite' && task.params.fileWrite.content, bytes);
  });

  it('lists workers as a table and as JSON', async () => {
    const table = await runCli(['--orchestrator-addr', addr, 'workers']);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^NAME\s+GROUP\s+ID\s+TOOLS\s+SLOTS\s+ACTIVE/);
    assert.match(table.stdout, new RegExp(`cli-w\\s+default\\s+${worker.agentId}\\s+file_read,file_write,slow\\s+4\\s+0\\s+ok\\s+yes\\s+-\\s+test=yes$`, 'm'));
    const json = await runCli(['--orchestrator-addr', addr, 'workers', '--json']);
    assert.equal(json.code, 0);
    const workers = JSON.parse(json.stdout);
    assert.ok(Array.isArray(workers));
    assert.equal(workers[0].name, 'cli-w');
    assert.equal(workers[0].connected, true);
  });

  it('cancel says whether the task was found', async () => {
    const missing = await runCli(['--orchestrator-addr', addr, 'cancel', 'no-such-task']);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /not found/);

    const events = h.tasks.runTask({ task: { toolType: 'slow' } })[Symbol.asyncIterator]();
    const submitted = (await events.next()).value!;
    const found = await runCli(['--orchestrator-addr', addr, 'cancel', submitted.taskId, '--force']);
    assert.equal(found.code, 0);
    let last;
    for (let next = await events.next(); !next.done; next = await events.next()) last = next.value;
    assert.equal(last?.event?.$case === 'result' && last.event.result.state, TaskState.TASK_STATE_CANCELLED);
  });

  it('Ctrl-C during run aborts the call, which cancels the task on the worker', async () => {
    const before = received.length;
    const { child, done } = startCli(['--orchestrator-addr', addr, 'run', 'slow', '--json']);
    await waitFor(() => received.length > before, 15_000);
    const taskId = (await waitFor(() => {
      const infos = worker.pendingCommands().filter((c) => c.command?.$case === 'assign');
      return infos.at(-1)?.taskId;
    }))!;
    child.kill('SIGINT');
    const { code, stdout } = await done;
    assert.equal(code, 130);
    const json = JSON.parse(stdout);
    assert.equal(json.state, 'CANCELLED');
    assert.equal(json.taskId, taskId);
    // The orchestrator notices the aborted call and cancels the task (slow on a loaded machine).
    await waitFor(() => worker.pendingCommands().some((c) => c.taskId === taskId && c.command?.$case === 'cancel'), 10_000);
    await waitFor(() => h.orchestrator.getResult(taskId)?.state === TaskState.TASK_STATE_CANCELLED);
  });

  it('run --detach prints the task id and exits 0; get prints what run --json prints, with run\'s exit code', async () => {
    const detached = await runCli(['--orchestrator-addr', addr, 'run', 'file_read', '--param', 'path=exit3', '--detach']);
    assert.equal(detached.code, 0, detached.stderr);
    const taskId = detached.stdout.trim();
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    await waitFor(() => h.orchestrator.getResult(taskId));

    const json = await runCli(['--orchestrator-addr', addr, 'get', taskId, '--json']);
    assert.equal(json.code, 3, json.stderr + json.stdout);
    const got = JSON.parse(json.stdout);
    const ran = await runCli(['--orchestrator-addr', addr, 'run', 'file_read', '--param', 'path=exit3', '--json']);
    const viaRun = JSON.parse(ran.stdout);
    assert.deepEqual(Object.keys(got), Object.keys(viaRun));
    assert.deepEqual({ ...got, taskId: '', durationMs: 0 }, { ...viaRun, taskId: '', durationMs: 0 });
    assert.equal(got.taskId, taskId);
    assert.equal(got.stdout, 'partial');
    assert.equal(got.cause, 'NON_ZERO_EXIT');

    const summary = await runCli(['--orchestrator-addr', addr, 'get', taskId]);
    assert.equal(summary.code, 3);
    assert.match(summary.stdout, new RegExp(`^task\\s+${taskId}$`, 'm'));
    assert.match(summary.stdout, /^state\s+COMPLETED$/m);
    assert.match(summary.stdout, /^exit code\s+3$/m);
    assert.match(summary.stdout, /^worker\s+cli-w \(attempt 1\)$/m);
    assert.match(summary.stdout, /^--- stdout ---\npartial\n--- stderr ---\nbad things\n/m);

    const detachedJson = await runCli(['--orchestrator-addr', addr, 'run', 'file_read', '--param', 'path=ok', '--detach', '--json']);
    assert.match(JSON.parse(detachedJson.stdout).taskId, /^[0-9a-f-]{36}$/);
  });

  it('get of an unfinished task prints its state with null result fields and exits 0; unknown ids exit 1', async () => {
    const detached = await runCli(['--orchestrator-addr', addr, 'run', 'slow', '--detach']);
    const taskId = detached.stdout.trim();
    await waitFor(() => worker.pendingCommands().some((c) => c.taskId === taskId));
    const json = await runCli(['--orchestrator-addr', addr, 'get', taskId, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      taskId, state: 'RUNNING', exitCode: null, stdout: null, stderr: null, stdoutTruncated: null, stderrTruncated: null,
      durationMs: null, worker: 'cli-w', error: null, cause: null, retryable: null, attempt: 1, runtime: null, profile: null,
    });
    const summary = await runCli(['--orchestrator-addr', addr, 'get', taskId]);
    assert.equal(summary.code, 0);
    assert.match(summary.stdout, /^state\s+RUNNING$/m);
    assert.equal((await runCli(['--orchestrator-addr', addr, 'cancel', taskId])).code, 0);
    await waitFor(() => h.orchestrator.getResult(taskId));
    assert.equal((await runCli(['--orchestrator-addr', addr, 'get', taskId])).code, 130);

    const missing = await runCli(['--orchestrator-addr', addr, 'get', 'no-such-task']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
  });

  it('exits 125 with a clear message when the orchestrator is unreachable', async () => {
    const { code, stderr } = await runCli(['--orchestrator-addr', `unix://${h.dir}/nobody.sock`, 'run', 'file_read', '--param', 'path=a']);
    assert.equal(code, 125);
    assert.match(stderr, /cannot reach the orchestrator at unix:\/\/.*nobody\.sock/);
  });
});

describe('task CLI message limits', () => {
  it('reports MESSAGE_TOO_LARGE (exit 125) when the task exceeds the orchestrator limit', async () => {
    const h = await startOrchestrator({ maxRecvMsgSize: 64 * 1024 });
    try {
      const file = join(h.dir, 'big.bin');
      await writeFile(file, Buffer.alloc(100 * 1024, 7));
      const { code, stderr } = await runCli([
        '--orchestrator-addr', h.address, 'run', 'file_write', '--param', 'path=big', '--param', `content=@${file}`, '--json',
      ]);
      assert.equal(code, 125);
      assert.match(stderr, /^error MESSAGE_TOO_LARGE: /m);
    } finally {
      await h.close();
    }
  });
});
