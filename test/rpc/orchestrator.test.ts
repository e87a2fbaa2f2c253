import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClientError, Status, createClient } from 'nice-grpc';
import { AgentServiceDefinition, TaskState, type TaskEvent } from '../../pkg/gen/agent/v1/agent.js';
import { createOrchestrator } from '../../pkg/orchestrator/index.js';
import { createFakeWorker } from './fake-worker.js';
import { collect, silentLogger, startOrchestrator, tempSocketDir, testConfig, waitFor, type Harness } from './harness.js';

const fileRead = (path: string) => ({
  toolType: 'file_read',
  mountSource: '/tmp',
  params: { $case: 'fileRead' as const, fileRead: { path } },
});

async function firstEvent(iterator: AsyncIterator<TaskEvent>): Promise<TaskEvent> {
  const next = await iterator.next();
  assert.equal(next.done, false);
  return next.value as TaskEvent;
}

async function rest(iterator: AsyncIterator<TaskEvent>) {
  return collect({ [Symbol.asyncIterator]: () => iterator });
}

describe('orchestrator over a Unix socket', () => {
  let h: Harness;
  before(async () => {
    h = await startOrchestrator();
  });
  after(async () => {
    await h.close();
  });

  it('dispatches a task end to end and assembles its output', async () => {
    const worker = createFakeWorker(h.channel(), { name: 'e2e', toolTypes: ['file_read'] });
    await worker.register();
    await worker.connect();
    const events = h.tasks.runTask({ task: fileRead('a.txt'), worker: 'e2e' })[Symbol.asyncIterator]();
    const submitted = await firstEvent(events);
    assert.deepEqual(submitted.event, { $case: 'submitted', submitted: { worker: 'e2e' } });

    const assign = await worker.nextCommand();
    assert.equal(assign.taskId, submitted.taskId);
    assert.equal(assign.command?.$case, 'assign');
    assert.deepEqual(assign.command.$case === 'assign' && assign.command.assign.task?.params, fileRead('a.txt').params);
    worker.run(assign.taskId, { stdout: ['hello ', 'world\n'], stderr: ['warn'], exitCode: 0, durationMs: 42 });

    const { events: all, result, stdout, stderr, taskId } = await rest(events);
    assert.equal(taskId, submitted.taskId);
    assert.ok(all.every((e) => e.taskId === submitted.taskId));
    assert.deepEqual(all[0]?.event, { $case: 'running', running: { containerId: `c-${taskId.slice(0, 8)}`, runtime: 'runc', profile: 'baaaht/v1' } });
    assert.equal(stdout, 'hello world\n');
    assert.equal(stderr, 'warn');
    assert.equal(result.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(result.stdout.toString(), 'hello world\n');
    assert.equal(result.stderr.toString(), 'warn');
    assert.equal(result.worker, 'e2e');
    assert.equal(result.durationMs, 42);
    assert.equal(result.error, undefined);
    assert.equal(h.orchestrator.getResult(taskId)?.stdout.toString(), 'hello world\n');
    await worker.client.unregister({ agentId: worker.agentId, reason: 'done' });
  });

  it('queues beyond maxConcurrentTasks, dispatches when a slot frees, and cancels queued and running tasks', async () => {
    const worker = createFakeWorker(h.channel(), { name: 'one-slot', toolTypes: ['grep_like'], maxConcurrentTasks: 1 });
    await worker.register();
    await worker.connect();
    const task = { toolType: 'grep_like', params: { $case: 'custom' as const, custom: { values: {} } } };

    const first = h.tasks.runTask({ task, worker: 'one-slot' })[Symbol.asyncIterator]();
    const firstSubmitted = await firstEvent(first);
    assert.deepEqual(firstSubmitted.event, { $case: 'submitted', submitted: { worker: 'one-slot' } });
    const second = h.tasks.runTask({ task, worker: 'one-slot' })[Symbol.asyncIterator]();
    const secondSubmitted = await firstEvent(second);
    assert.deepEqual(secondSubmitted.event, { $case: 'submitted', submitted: { worker: '' } }, 'queued: no worker yet');
    const third = h.tasks.runTask({ task, worker: 'one-slot' })[Symbol.asyncIterator]();
    const thirdSubmitted = await firstEvent(third);

    const assignFirst = await worker.nextCommand();
    assert.equal(assignFirst.taskId, firstSubmitted.taskId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(worker.pendingCommands(), [], 'nothing else is assigned while the slot is taken');
    const { workers } = await h.tasks.listWorkers({});
    const info = workers.find((w) => w.agentId === worker.agentId);
    assert.deepEqual(info?.activeTaskIds, [firstSubmitted.taskId]);
    assert.equal(info?.connected, true);

    // Cancel the queued second task: it finishes at once and never reaches the worker.
    assert.deepEqual(await h.tasks.cancelTask({ taskId: secondSubmitted.taskId }), { found: true });
    const secondResult = (await rest(second)).result;
    assert.equal(secondResult.state, TaskState.TASK_STATE_CANCELLED);
    assert.equal(secondResult.error?.code, 'CANCELLED');
    assert.deepEqual(await h.tasks.cancelTask({ taskId: secondSubmitted.taskId }), { found: false });

    // Finishing the first frees the slot for the third.
    worker.run(assignFirst.taskId, { stdout: ['1'] });
    assert.equal((await rest(first)).result.state, TaskState.TASK_STATE_COMPLETED);
    const assignThird = await worker.nextCommand();
    assert.equal(assignThird.taskId, thirdSubmitted.taskId);

    // Cancel the running third task: the cancel reaches the worker, whose result finishes it.
    worker.run(assignThird.taskId, { waitForCancel: true, stdout: ['partial'] });
    assert.equal((await third.next()).value?.event?.$case, 'running');
    assert.deepEqual(await h.tasks.cancelTask({ taskId: thirdSubmitted.taskId, force: true }), { found: true });
    const cancel = await worker.nextCommand();
    assert.equal(cancel.taskId, thirdSubmitted.taskId);
    assert.equal(cancel.command?.$case, 'cancel');
    assert.equal(cancel.command.$case === 'cancel' && cancel.command.cancel.force, true);
    const thirdResult = (await rest(third)).result;
    assert.equal(thirdResult.state, TaskState.TASK_STATE_CANCELLED);
    assert.equal(thirdResult.stdout.toString(), 'partial');
    assert.deepEqual(await h.tasks.cancelTask({ taskId: 'no-such-task' }), { found: false });
    await worker.client.unregister({ agentId: worker.agentId, reason: 'done' });
  });

  it('cancels the task when the submitting client goes away', async () => {
    const worker = createFakeWorker(h.channel(), { name: 'abandoned', toolTypes: ['slow'] });
    await worker.register();
    await worker.connect();
    const controller = new AbortController();
    const events = h.tasks
      .runTask({ task: { toolType: 'slow' }, worker: 'abandoned' }, { signal: controller.signal })
      [Symbol.asyncIterator]();
    const submitted = await firstEvent(events);
    const assign = await worker.nextCommand();
    worker.run(assign.taskId, { waitForCancel: true });
    controller.abort();
    await assert.rejects(events.next(), { name: 'AbortError' });
    const cancel = await worker.nextCommand();
    assert.equal(cancel.taskId, submitted.taskId);
    assert.equal(cancel.command?.$case, 'cancel');
    await waitFor(() => h.orchestrator.getResult(submitted.taskId)?.state === TaskState.TASK_STATE_CANCELLED);
    await worker.client.unregister({ agentId: worker.agentId, reason: 'done' });
  });

  it('fails tasks nobody can run with NO_WORKER / UNKNOWN_TOOL / INVALID_PARAMS results, not gRPC errors', async () => {
    const cases = [
      { request: { task: fileRead('x') }, code: 'NO_WORKER', mentions: 'file_read' },
      { request: { task: { toolType: 'no_such_tool' } }, code: 'UNKNOWN_TOOL', mentions: 'no_such_tool' },
      { request: { task: { toolType: 'file_read', params: { $case: 'list' as const, list: { path: '.' } } } }, code: 'INVALID_PARAMS', mentions: 'fileRead' },
      { request: { task: { toolType: '' } }, code: 'INVALID_PARAMS', mentions: 'tool_type' },
      { request: { task: fileRead('x'), worker: 'nobody' }, code: 'NO_WORKER', mentions: 'nobody' },
    ];
    for (const c of cases) {
      const { events, result } = await collect(h.tasks.runTask(c.request));
      assert.deepEqual(events[0]?.event, { $case: 'submitted', submitted: { worker: '' } });
      assert.equal(events.length, 2);
      assert.equal(result.state, TaskState.TASK_STATE_FAILED);
      assert.equal(result.error?.code, c.code);
      assert.equal(result.cause, c.code);
      assert.equal(result.retryable, c.code === 'NO_WORKER', 'NO_WORKER may succeed later, the others not');
      assert.match(result.error?.message ?? '', new RegExp(c.mentions));
    }
    await assert.rejects(collect(h.tasks.runTask({})), (error: unknown) => {
      assert.ok(error instanceof ClientError);
      assert.equal(error.code, Status.INVALID_ARGUMENT);
      return true;
    });
  });

  it('targets a worker by name or id', async () => {
    const a = createFakeWorker(h.channel(), { name: 'target-a', toolTypes: ['echo'], script: () => ({ stdout: ['a'] }) });
    const b = createFakeWorker(h.channel(), { name: 'target-b', toolTypes: ['echo'], script: () => ({ stdout: ['b'] }) });
    for (const w of [a, b]) {
      await w.register();
      await w.connect();
    }
    for (const [target, expected] of [['target-b', 'target-b'], [a.agentId, 'target-a'], ['target-a', 'target-a']] as const) {
      const { result, events } = await collect(h.tasks.runTask({ task: { toolType: 'echo' }, worker: target }));
      assert.deepEqual(events[0]?.event, { $case: 'submitted', submitted: { worker: expected } });
      assert.equal(result.worker, expected);
      assert.equal(result.stdout.toString(), expected.slice(-1));
    }
    for (const w of [a, b]) await w.client.unregister({ agentId: w.agentId, reason: 'done' });
  });

  it('a worker whose stream drops keeps its leases: it reconnects and delivers the result', async () => {
    const worker = createFakeWorker(h.channel(), { name: 'crashy', toolTypes: ['crash'] });
    await worker.register();
    await worker.connect();
    const run = collect(h.tasks.runTask({ task: { toolType: 'crash' }, worker: 'crashy' }));
    const assign = await worker.nextCommand();
    assert.equal(assign.command?.$case === 'assign' && assign.command.assign.leaseEpoch, 1);
    assert.equal(assign.command?.$case === 'assign' && assign.command.assign.attempt, 1);
    worker.send({ taskId: assign.taskId, event: { $case: 'output', output: { stream: 1, data: Buffer.from('before ') } } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.drop();
    const info = await waitFor(async () =>
      (await h.tasks.listWorkers({})).workers.find((w) => w.agentId === worker.agentId && !w.connected),
    );
    assert.deepEqual(info.activeTaskIds, [assign.taskId], 'the lease outlives the stream');
    assert.equal((await h.tasks.getTask({ taskId: assign.taskId })).state, TaskState.TASK_STATE_RUNNING);
    await worker.connect();
    worker.send({ taskId: assign.taskId, event: { $case: 'output', output: { stream: 1, data: Buffer.from('after') } } });
    worker.complete(assign.taskId, { exitCode: 3 });
    assert.deepEqual(await worker.nextAck(), { taskId: assign.taskId, leaseEpoch: 1, accepted: true });
    const { result } = await run;
    assert.equal(result.exitCode, 3);
    assert.equal(result.stdout.toString(), 'before after');
    assert.equal(result.worker, 'crashy');
    assert.equal(result.attempt, 1);
    assert.equal(result.cause, 'NON_ZERO_EXIT', 'derived when the worker sent none');
    await worker.client.unregister({ agentId: worker.agentId, reason: 'done' });
  });

  it('a new TaskStream replaces the old one; commands go to the new one', async () => {
    const worker = createFakeWorker(h.channel(), { name: 'reconnector', toolTypes: ['re'] });
    await worker.register();
    await worker.connect();
    const firstStreamEnd = worker.streamEnd();
    await worker.connect();
    assert.equal(await firstStreamEnd, 'ok');
    const run = collect(h.tasks.runTask({ task: { toolType: 're' } }));
    const assign = await worker.nextCommand();
    worker.run(assign.taskId, { stdout: ['new stream'] });
    assert.equal((await run).result.stdout.toString(), 'new stream');
    await worker.client.unregister({ agentId: worker.agentId, reason: 'done' });
  });

  it('answers heartbeats: known for registered workers, known=false otherwise; TaskStream of an unknown agent is NOT_FOUND', async () => {
    const worker = createFakeWorker(h.channel(), { name: 'beater', toolTypes: ['x'] });
    await worker.register();
    const registered = await worker.client.register({ name: 'other', capabilities: { toolTypes: [], maxConcurrentTasks: 1 } });
    assert.ok(registered.heartbeatIntervalMs > 0);
    assert.deepEqual(await worker.client.heartbeat({ agentId: worker.agentId, activeTaskIds: [], timestampMs: Date.now() }), { known: true, revoked: [] });
    assert.deepEqual(await worker.client.heartbeat({ agentId: 'not-registered', activeTaskIds: [], timestampMs: Date.now() }), { known: false, revoked: [] });

    const stranger = createClient(AgentServiceDefinition, h.channel());
    const stream = stranger.taskStream(
      (async function* () {
        yield { taskId: '', event: { $case: 'hello' as const, hello: { agentId: 'not-registered' } } };
        await new Promise((resolve) => setTimeout(resolve, 1000));
      })(),
    );
    await assert.rejects(
      (async () => {
        for await (const _ of stream) assert.fail('no commands expected');
      })(),
      (error: unknown) => error instanceof ClientError && error.code === Status.NOT_FOUND,
    );
    for (const agentId of [worker.agentId, registered.agentId]) await worker.client.unregister({ agentId, reason: 'done' });
  });

  it('keeps the assembled output within the cap and flags truncation; the stream carries all of it', async () => {
    const capped = await startOrchestrator({}, { outputCapBytes: 5 });
    try {
      const worker = createFakeWorker(capped.channel(), { name: 'chatty', toolTypes: ['talk'], script: () => ({ stdout: ['abc', 'defgh'] }) });
      await worker.register();
      await worker.connect();
      const { result, stdout } = await collect(capped.tasks.runTask({ task: { toolType: 'talk' } }));
      assert.equal(result.stdout.toString(), 'abcde');
      assert.equal(stdout, 'abcdefgh', 'the worker caps what it sends; the orchestrator streams it all');
      assert.equal(result.stdoutTruncated, true);
      assert.equal(result.stderrTruncated, false);
    } finally {
      await capped.close();
    }
  });
});

describe('orchestrator limits and lifecycle', () => {
  it('rejects a task bigger than maxRecvMsgSize with RESOURCE_EXHAUSTED', async () => {
    const h = await startOrchestrator({ maxRecvMsgSize: 64 * 1024 });
    try {
      const task = {
        toolType: 'file_write',
        params: { $case: 'fileWrite' as const, fileWrite: { path: 'big', content: Buffer.alloc(100 * 1024, 1) } },
      };
      await assert.rejects(collect(h.tasks.runTask({ task })), (error: unknown) => {
        assert.ok(error instanceof ClientError, String(error));
        assert.equal(error.code, Status.RESOURCE_EXHAUSTED);
        return true;
      });
    } finally {
      await h.close();
    }
  });

  it('Unregister ends leases at once: the task runs again elsewhere, then fails WORKER_LOST', async () => {
    const h = await startOrchestrator({ maxAttempts: 2, workerTimeoutMs: 1000 });
    try {
      const first = createFakeWorker(h.channel(), { name: 'leaver-1', toolTypes: ['leave'], maxConcurrentTasks: 1 });
      await first.register();
      await first.connect();
      const run = collect(h.tasks.runTask({ task: { toolType: 'leave' } }));
      const assign = await first.nextCommand();
      const queuedEvents = h.tasks.runTask({ task: { toolType: 'leave' }, worker: 'leaver-1' })[Symbol.asyncIterator]();
      const queuedId = (await firstEvent(queuedEvents)).taskId;
      const queued = rest(queuedEvents);
      queued.catch(() => undefined);
      const second = createFakeWorker(h.channel(), { name: 'leaver-2', toolTypes: ['leave'], maxConcurrentTasks: 1 });
      await second.register();
      await second.connect();
      second.startHeartbeats(100); // alive through the retry's backoff, longer than the worker timeout

      const leftAt = Date.now();
      await first.client.unregister({ agentId: first.agentId, reason: 'shutting down' });
      assert.equal(await first.streamEnd(), 'ok', 'the orchestrator ends the stream normally');
      assert.equal((await h.tasks.getTask({ taskId: queuedId })).state, TaskState.TASK_STATE_QUEUED, 'the task for the worker that left waits');
      const again = await second.nextCommand(5000); // after the retry's backoff (about 1 s)
      second.stopHeartbeats();
      assert.equal(again.taskId, assign.taskId);
      assert.deepEqual(again.command?.$case === 'assign' && [again.command.assign.attempt, again.command.assign.leaseEpoch], [2, 2]);

      await second.client.unregister({ agentId: second.agentId, reason: 'shutting down too' });
      const { result } = await run;
      assert.equal(result.state, TaskState.TASK_STATE_FAILED);
      assert.equal(result.error?.code, 'WORKER_LOST');
      assert.equal(result.cause, 'WORKER_LOST');
      assert.equal(result.retryable, true);
      assert.equal(result.attempt, 2);
      assert.equal(result.worker, 'leaver-2');
      assert.match(result.error?.message ?? '', /shutting down too/);
      assert.deepEqual((await h.tasks.listWorkers({})).workers, []);

      // The queued task targeted the worker that left: it waits the worker timeout for it to
      // come back (a restart), then fails instead of waiting forever.
      assert.equal((await queued).result.error?.code, 'NO_WORKER');
      assert.ok(Date.now() - leftAt >= 900, 'not before the worker timeout');
      // Nobody serves `leave` any more.
      assert.equal((await collect(h.tasks.runTask({ task: { toolType: 'leave' } }))).result.error?.code, 'UNKNOWN_TOOL');
    } finally {
      await h.close();
    }
  });

  it('removes workers whose heartbeat is too old; their leases are lost', async () => {
    const h = await startOrchestrator({ workerTimeoutMs: 300, maxAttempts: 1 });
    try {
      const worker = createFakeWorker(h.channel(), { name: 'silent', toolTypes: ['quiet'] });
      await worker.register();
      await worker.connect();
      const run = collect(h.tasks.runTask({ task: { toolType: 'quiet' } }));
      await worker.nextCommand();
      const { result } = await run;
      assert.equal(result.error?.code, 'WORKER_LOST');
      assert.match(result.error?.message ?? '', /heartbeat|renewed/);
      await waitFor(async () => (await h.tasks.listWorkers({})).workers.length === 0);
      assert.deepEqual(await worker.client.heartbeat({ agentId: worker.agentId }), { known: false, revoked: [] });
    } finally {
      await h.close();
    }
  });

  it('close() keeps unfinished tasks: no cancel to the worker, clients get UNAVAILABLE, every stream ends', async () => {
    const h = await startOrchestrator();
    const worker = createFakeWorker(h.channel(), { name: 'stopper', toolTypes: ['long'] });
    await worker.register();
    await worker.connect();
    const run = collect(h.tasks.runTask({ task: { toolType: 'long' } }));
    run.catch(() => undefined);
    await worker.nextCommand();
    await h.close();
    await assert.rejects(run, (error: unknown) => {
      assert.ok(error instanceof ClientError, String(error));
      assert.equal(error.code, Status.UNAVAILABLE);
      assert.match(error.details, /is kept/);
      return true;
    });
    assert.equal(await worker.streamEnd(), 'ok');
    assert.deepEqual(worker.pendingCommands(), [], 'nothing is cancelled');
    await assert.rejects(stat(h.socketPath), { code: 'ENOENT' });
  });

  it('creates the socket 0600 (never world-accessible) in a fresh parent directory', async (t) => {
    const dir = await tempSocketDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'sub', 'o.sock');
    const o = createOrchestrator(testConfig(`unix://${path}`), silentLogger());
    await o.listen();
    try {
      assert.equal(o.address, `unix://${path}`);
      const info = await stat(path);
      assert.ok(info.isSocket());
      assert.equal(info.mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'sub'))).mode & 0o077, 0, 'the parent it creates is private');
    } finally {
      await o.close();
    }
  });

  it('creates a group socket 0660 when asked, and refuses world-accessible modes', async (t) => {
    const dir = await tempSocketDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'g.sock');
    const o = createOrchestrator(testConfig(`unix:${path}`, { socketMode: 0o660 }), silentLogger());
    await o.listen();
    try {
      assert.equal((await stat(path)).mode & 0o777, 0o660);
    } finally {
      await o.close();
    }
    assert.throws(() => createOrchestrator(testConfig(`unix:${path}`, { socketMode: 0o666 }), silentLogger()), /0666/);
  });

  it('replaces a stale socket file, but not a live socket or a regular file', async (t) => {
    const dir = await tempSocketDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 's.sock');
    // Another process listens on it: refused. Then it dies without unlinking: the file is stale.
    const other = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(other.stdout, 'data');
    const live = createOrchestrator(testConfig(`unix://${path}`), silentLogger());
    await assert.rejects(live.listen(), /already listening/);
    other.kill('SIGKILL');
    await once(other, 'exit');
    assert.ok((await stat(path)).isSocket(), 'the stale socket file is still there');
    const o = createOrchestrator(testConfig(`unix://${path}`), silentLogger());
    await o.listen();
    try {
      const h = createClient(AgentServiceDefinition, (await import('../../pkg/rpc/create-channel.js')).createGrpcChannel(o.address, { maxRecvMsgSize: 1 << 20, maxSendMsgSize: 1 << 20 }));
      assert.deepEqual(await h.heartbeat({ agentId: 'x' }), { known: false, revoked: [] });
    } finally {
      await o.close();
    }
    const file = join(dir, 'file.sock');
    await writeFile(file, 'not a socket');
    const refused = createOrchestrator(testConfig(`unix://${file}`), silentLogger());
    await assert.rejects(refused.listen(), /not a socket/);
  });

  it('listens on TCP port 0 and reports the real port', async () => {
    assert.throws(() => createOrchestrator(testConfig('127.0.0.1:0'), silentLogger()), /needs TLS .* or an explicit insecure/);
    const o = createOrchestrator(testConfig('127.0.0.1:0', { insecure: true }), silentLogger());
    await o.listen();
    try {
      assert.match(o.address, /^127\.0\.0\.1:\d+$/);
      assert.notEqual(o.address, '127.0.0.1:0');
      const { createGrpcChannel } = await import('../../pkg/rpc/create-channel.js');
      assert.throws(() => createGrpcChannel(o.address, { maxRecvMsgSize: 1 << 20, maxSendMsgSize: 1 << 20 }), /needs TLS/);
      const channel = createGrpcChannel(o.address, { maxRecvMsgSize: 1 << 20, maxSendMsgSize: 1 << 20, insecure: true });
      const agents = createClient(AgentServiceDefinition, channel);
      assert.deepEqual(await agents.heartbeat({ agentId: 'x' }), { known: false, revoked: [] });
      channel.close();
    } finally {
      await o.close();
    }
  });
});
