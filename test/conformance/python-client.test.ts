// #12 §3: the published contract is enough in a second language. A Python TaskService client
// (test/conformance/python/client.py, stubs from Debian's protoc and grpc_python_plugin) drives the
// real bin/orchestrator + bin/worker. Rule ids ([O14], ...) are docs/protocol.md's.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { startBin, waitUntil, type Proc } from '../support/processes.js';
import { CLIENT, FAULT_TOOLS, HELLO, startPython, type RunJson, type GetJson, type WorkerJson, type TaskSummaryJson, type ErrorJson, ensurePythonPeer } from './python-peer.js';

describe('(a) a Python TaskService client against bin/orchestrator + bin/worker', () => {
  before(ensurePythonPeer, { timeout: 600_000 });

  let dir: string;
  let addr: string;
  let orchestrator: Proc | undefined;
  let worker: Proc | undefined;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  const ids: Record<string, string> = {};

  const call = async (args: readonly string[]): Promise<{ code: number | null; json: unknown; stderr: string }> => {
    const r = await startPython(CLIENT, ['--addr', addr, ...args]).exited;
    let json: unknown;
    try {
      json = JSON.parse(r.stdout);
    } catch {
      assert.fail(`client.py ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stdout} ${r.stderr}`);
    }
    return { code: r.code, json, stderr: r.stderr };
  };
  /** A call that must succeed. */
  const client = async <T>(args: readonly string[]): Promise<T> => {
    const r = await call(args);
    assert.equal(r.code, 0, `client.py ${args.join(' ')}: ${JSON.stringify(r.json)} ${r.stderr}`);
    return r.json as T;
  };
  /** A call that must fail with a gRPC status. */
  const refused = async (args: readonly string[]): Promise<ErrorJson['error']> => {
    const r = await call(args);
    assert.equal(r.code, 3, `client.py ${args.join(' ')} should fail: ${JSON.stringify(r.json)}`);
    return (r.json as ErrorJson).error;
  };

  before(async () => {
    dir = await mkdtemp('/tmp/bpy-');
    addr = `unix://${dir}/grpc.sock`;
    ws = await makeWorkspace({ 'hello.txt': HELLO, 'second.txt': 'two\n' });
    orchestrator = startBin('orchestrator', ['--listen', addr, '--data-dir', join(dir, 'data'), '--log-format', 'json']);
    worker = startBin('worker', [
      '--orchestrator-addr', addr, '--name', 'py-client-worker', '--config', FAULT_TOOLS, '--work-dir', join(dir, 'work'),
      '--heartbeat-interval', '500ms', '--reconnect-interval', '200ms', '--log-format', 'json',
    ]);
    await waitUntil(async () => {
      const r = await call(['workers']);
      return r.code === 0 && (r.json as { workers: WorkerJson[] }).workers.some((w) => w.name === 'py-client-worker' && w.connected);
    }, 30_000, 'the worker registered');
  }, { timeout: 60_000 });

  after(async () => {
    await worker?.stop('SIGTERM');
    await orchestrator?.stop('SIGTERM');
    await ws?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('ListWorkers: the worker, connected and healthy, with the tools it serves', async () => {
    const { workers } = await client<{ workers: WorkerJson[] }>(['workers']);
    const mine = workers.find((w) => w.name === 'py-client-worker');
    assert.ok(mine, JSON.stringify(workers));
    assert.match(mine.agent_id, /\S/);
    assert.equal(mine.connected, true);
    assert.equal(mine.healthy, true);
    assert.equal(mine.group, 'default');
    for (const tool of ['file_read', 'list', 'sleeper']) assert.ok(mine.capabilities.tool_types.includes(tool), tool);
  });

  it('RunTask streams submitted, running, the output and the result, in that order', async () => {
    const run = await client<RunJson>(['run', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt']);
    ids.read = run.task_id;
    assert.match(run.task_id, /\S/);
    const kinds = run.events.map((e) => e.kind);
    assert.equal(kinds[0], 'submitted');
    assert.equal(kinds.at(-1), 'result');
    assert.equal(kinds.filter((k) => k === 'result').length, 1);
    assert.ok(kinds.indexOf('running') > 0 && kinds.indexOf('running') < kinds.indexOf('output'), kinds.join(','));
    assert.ok(run.events.every((e) => e.task_id === run.task_id), 'every event names the task');
    assert.equal(run.submitted_worker, 'py-client-worker');
    assert.match(run.running?.container_id ?? '', /^[0-9a-f]{12,}$/);
    assert.match(run.running?.profile ?? '', /^baaaht\/v1 .*workspace=ro/);
    assert.equal(run.stdout, HELLO, 'the output chunks are the file');
    assert.equal(run.stderr, '');
    assert.equal(run.result?.state, 'TASK_STATE_COMPLETED');
    assert.equal(run.result?.cause, 'COMPLETED');
    assert.equal(run.result?.exit_code, 0);
    assert.equal(run.result?.worker, 'py-client-worker');
    assert.equal(run.result?.attempt, 1);
  });

  it('RunTask: a tool that exits non-zero completes with NON_ZERO_EXIT and its stderr', async () => {
    const run = await client<RunJson>(['run', 'file_read', '--mount', ws.dir, '--param', 'path=absent.txt']);
    assert.equal(run.result?.state, 'TASK_STATE_COMPLETED');
    assert.equal(run.result?.cause, 'NON_ZERO_EXIT');
    assert.equal(run.result?.exit_code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /No such file/);
  });

  it('a path that leaves the workspace is refused with PATH_ESCAPE and no container', async () => {
    const r = await call(['run', 'file_read', '--mount', ws.dir, '--param', 'path=../../etc/passwd']);
    if (r.code === 3) {
      // Refused at submission (docs/protocol.md §9: INVALID_ARGUMENT, the code first).
      const { error } = r.json as ErrorJson;
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.details, /^PATH_ESCAPE/);
    } else {
      // Or by the worker before any container ([W13]).
      assert.equal(r.code, 0, r.stderr);
      const run = r.json as RunJson;
      assert.equal(run.result?.state, 'TASK_STATE_FAILED');
      assert.equal(run.result?.cause, 'PATH_ESCAPE');
      assert.equal(run.result?.error?.code, 'PATH_ESCAPE');
      assert.ok(!run.events.some((e) => e.kind === 'running'), 'no container ran');
      assert.equal(run.stdout, '');
    }
  });

  it('SubmitTask returns the id at once; GetTask follows it to its stored result', async () => {
    const { task_id } = await client<{ task_id: string }>(['submit', 'list', '--mount', ws.dir, '--param', 'path=.', '--worker', 'py-client-worker']);
    ids.list = task_id;
    assert.match(task_id, /\S/);
    const view = await client<GetJson>(['get', task_id, '--wait', '30']);
    assert.equal(view.task_id, task_id);
    assert.equal(view.finished, true);
    assert.equal(view.state_name, 'TASK_STATE_COMPLETED');
    assert.equal(view.tool_type, 'list');
    assert.equal(view.worker, 'py-client-worker');
    assert.equal(view.attempt, 1);
    assert.equal(view.result?.cause, 'COMPLETED');
    assert.match(view.result?.stdout_text ?? '', /hello\.txt/);
    assert.match(view.result?.stdout_text ?? '', /second\.txt/);
  });

  it('GetTask of an unknown id fails NOT_FOUND', async () => {
    const error = await refused(['get', 'no-such-task']);
    assert.equal(error.code, 'NOT_FOUND');
  });

  it('[O14] CancelTask stops a running task: found, and the follower\'s stream ends CANCELLED', async () => {
    const follower = startPython(CLIENT, ['--addr', addr, 'run', 'sleeper', '--param', 'seconds=60']);
    try {
      const running = await waitUntil(async () => {
        const { tasks } = await client<{ tasks: TaskSummaryJson[] }>(['tasks']);
        return tasks.find((t) => t.tool_type === 'sleeper' && t.state_name === 'TASK_STATE_RUNNING');
      }, 30_000, 'the sleeper running');
      ids.cancelled = running.task_id;
      const before = await client<GetJson>(['get', running.task_id]);
      assert.equal(before.finished, false, 'it runs until cancelled');
      const cancelledAt = Date.now();
      assert.deepEqual(await client<{ found: boolean }>(['cancel', running.task_id]), { found: true });
      const r = await follower.exited;
      assert.equal(r.code, 0, r.stderr);
      const run = JSON.parse(r.stdout) as RunJson;
      assert.ok(Date.now() - cancelledAt < 20_000, 'ended by the cancel, not by its 60 s');
      assert.equal(run.task_id, running.task_id);
      assert.ok(run.events.some((e) => e.kind === 'running'));
      assert.equal(run.events.at(-1)?.kind, 'result');
      assert.equal(run.result?.state, 'TASK_STATE_CANCELLED');
      assert.equal(run.result?.cause, 'CANCELLED');
      const view = await client<GetJson>(['get', running.task_id]);
      assert.equal(view.state_name, 'TASK_STATE_CANCELLED');
      assert.equal(view.result?.cause, 'CANCELLED');
    } finally {
      await follower.stop();
    }
  });

  it('CancelTask of a finished or an unknown task: found false', async () => {
    assert.ok(ids.cancelled && ids.read);
    assert.deepEqual(await client<{ found: boolean }>(['cancel', ids.cancelled]), { found: false });
    assert.deepEqual(await client<{ found: boolean }>(['cancel', ids.read]), { found: false });
    assert.deepEqual(await client<{ found: boolean }>(['cancel', 'no-such-task']), { found: false });
  });

  it('CancelTask of a task queued behind a busy worker: found, CANCELLED without running', async () => {
    // The worker runs 4 at once: four sleepers fill it, the fifth task waits.
    const fillers = await Promise.all(
      [0, 1, 2, 3].map(() => client<{ task_id: string }>(['submit', 'sleeper', '--param', 'seconds=60'])),
    );
    try {
      await waitUntil(async () => {
        const views = await Promise.all(fillers.map(({ task_id }) => client<GetJson>(['get', task_id])));
        return views.every((v) => v.state_name === 'TASK_STATE_RUNNING');
      }, 30_000, 'four sleepers running');
      const { task_id } = await client<{ task_id: string }>(['submit', 'sleeper', '--param', 'seconds=60']);
      const queued = await client<GetJson>(['get', task_id]);
      assert.notEqual(queued.state_name, 'TASK_STATE_RUNNING');
      assert.deepEqual(await client<{ found: boolean }>(['cancel', task_id]), { found: true });
      const view = await client<GetJson>(['get', task_id, '--wait', '15']);
      assert.equal(view.state_name, 'TASK_STATE_CANCELLED');
      assert.equal(view.result?.cause, 'CANCELLED');
    } finally {
      await Promise.all(fillers.map(({ task_id }) => client<{ found: boolean }>(['cancel', task_id, '--force'])));
    }
    for (const { task_id } of fillers) {
      const view = await client<GetJson>(['get', task_id, '--wait', '20']);
      assert.equal(view.state_name, 'TASK_STATE_CANCELLED');
    }
  });

  it('ListTasks: the finished tasks with their causes when asked for, none otherwise', async () => {
    const { tasks } = await client<{ tasks: TaskSummaryJson[] }>(['tasks', '--recent', '50']);
    const byId = new Map(tasks.map((t) => [t.task_id, t]));
    const read = byId.get(ids.read ?? '');
    assert.equal(read?.tool_type, 'file_read');
    assert.equal(read?.state_name, 'TASK_STATE_COMPLETED');
    assert.equal(read?.cause, 'COMPLETED');
    assert.equal(read?.worker, 'py-client-worker');
    assert.ok(Number(read?.finished_at_ms) >= Number(read?.submitted_at_ms) && Number(read?.submitted_at_ms) > 0);
    assert.equal(byId.get(ids.list ?? '')?.state_name, 'TASK_STATE_COMPLETED');
    const cancelled = byId.get(ids.cancelled ?? '');
    assert.equal(cancelled?.state_name, 'TASK_STATE_CANCELLED');
    assert.equal(cancelled?.cause, 'CANCELLED');
    const unfinished = (await client<{ tasks: TaskSummaryJson[] }>(['tasks'])).tasks;
    assert.ok(!unfinished.some((t) => [ids.read, ids.list, ids.cancelled].includes(t.task_id)), 'recent_finished 0: no finished task');
    assert.ok(unfinished.every((t) => ['TASK_STATE_QUEUED', 'TASK_STATE_RUNNING'].includes(t.state_name)), JSON.stringify(unfinished));
  });

  // Protocol version 2, orchestrator side.
  it('[O11] a task naming a session is refused at submission with INVALID_ARGUMENT', async () => {
    const error = await refused(['run', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt', '--session-id', 'py-session']);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.match(error.details, /session/i);
    const submitError = await refused(['submit', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt', '--session-id', 'py-session']);
    assert.equal(submitError.code, 'INVALID_ARGUMENT');
  });
});
