// Leases, epochs, retries, worker condition and registration, over a real Unix socket with
// fake workers as real gRPC clients. Worker timeouts are short (300 ms) to keep this quick.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError, Status } from 'nice-grpc';
import { TaskState, type OrchestratorMessage } from '../../pkg/gen/agent/v1/agent.js';
import { createFakeWorker, type FakeWorker } from './fake-worker.js';
import { collect, startOrchestrator, waitFor, type Harness } from './harness.js';

const SHORT = { workerTimeoutMs: 300 };

function assignOf(message: OrchestratorMessage): { taskId: string; attempt: number; leaseEpoch: number } {
  assert.equal(message.command?.$case, 'assign', JSON.stringify(message));
  if (message.command?.$case !== 'assign') throw new Error('not an assignment');
  return { taskId: message.taskId, attempt: message.command.assign.attempt, leaseEpoch: message.command.assign.leaseEpoch };
}

async function startWorker(h: Harness, name: string, toolTypes: string[], maxConcurrentTasks = 2): Promise<FakeWorker> {
  const worker = createFakeWorker(h.channel(), { name, toolTypes, maxConcurrentTasks });
  await worker.register();
  await worker.connect();
  return worker;
}

async function withOrchestrator(overrides: Parameters<typeof startOrchestrator>[0], body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startOrchestrator(overrides);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

describe('leases', () => {
  it('a lease not renewed is taken away: attempt 2 with epoch + 1 on another worker; a stale result is refused', () =>
    withOrchestrator(SHORT, async (h) => {
      const first = await startWorker(h, 'lease-1', ['job']);
      const second = await startWorker(h, 'lease-2', ['job']);
      // Both stay registered; only the second renews its leases.
      first.startHeartbeats(50, { leases: [], activeTaskIds: [] });
      second.startHeartbeats(50);
      try {
        const run = collect(h.tasks.runTask({ task: { toolType: 'job' } }));
        const a1 = assignOf(await first.nextCommand());
        assert.deepEqual([a1.attempt, a1.leaseEpoch], [1, 1]);
        first.send({ taskId: a1.taskId, event: { $case: 'output', output: { stream: 1, data: Buffer.from('stale output') } } });

        const a2 = assignOf(await second.nextCommand(3000));
        assert.deepEqual([a2.taskId, a2.attempt, a2.leaseEpoch], [a1.taskId, 2, 2]);
        assert.equal((await h.tasks.getTask({ taskId: a1.taskId })).attempt, 2);

        // The first worker finally reports its (old) lease: dropped and refused.
        first.send({ taskId: a1.taskId, event: { $case: 'output', output: { stream: 1, data: Buffer.from('late') } } });
        first.complete(a1.taskId, { exitCode: 9 });
        assert.deepEqual(await first.nextAck(), { taskId: a1.taskId, leaseEpoch: 1, accepted: false });

        second.run(a2.taskId, { stdout: ['fresh'] });
        assert.deepEqual(await second.nextAck(), { taskId: a2.taskId, leaseEpoch: 2, accepted: true });
        const { result, events } = await run;
        assert.equal(result.exitCode, 0);
        assert.equal(result.stdout.toString(), 'fresh', 'only the lease in force contributes output');
        assert.equal(result.attempt, 2);
        assert.equal(result.worker, 'lease-2');
        assert.equal(events.filter((e) => e.event?.$case === 'running').length, 1, 'the first attempt never said running');
      } finally {
        first.stopHeartbeats();
        second.stopHeartbeats();
      }
    }));

  it('missed heartbeats: the worker is removed, its task runs again (attempt 2), then fails WORKER_LOST after max attempts', () =>
    withOrchestrator({ ...SHORT, maxAttempts: 2 }, async (h) => {
      const first = await startWorker(h, 'mute-1', ['job']);
      const second = await startWorker(h, 'mute-2', ['job']);
      second.startHeartbeats(50);
      const run = collect(h.tasks.runTask({ task: { toolType: 'job' } }));
      const a1 = assignOf(await first.nextCommand());
      first.send({ taskId: a1.taskId, event: { $case: 'output', output: { stream: 1, data: Buffer.from('gone with it') } } });

      const a2 = assignOf(await second.nextCommand(3000));
      assert.deepEqual([a2.taskId, a2.attempt, a2.leaseEpoch], [a1.taskId, 2, 2]);
      assert.deepEqual(await first.client.heartbeat({ agentId: first.agentId }), { known: false, revoked: [] }, 'the silent worker was removed');
      second.send({ taskId: a2.taskId, event: { $case: 'output', output: { stream: 1, data: Buffer.from('second try') } } });
      second.stopHeartbeats();

      const { result } = await run;
      assert.equal(result.state, TaskState.TASK_STATE_FAILED);
      assert.equal(result.error?.code, 'WORKER_LOST');
      assert.equal(result.cause, 'WORKER_LOST');
      assert.equal(result.retryable, true);
      assert.equal(result.attempt, 2);
      assert.equal(result.worker, 'mute-2');
      assert.equal(result.stdout.toString(), 'second try', 'the output of the last attempt');
      assert.match(result.error?.message ?? '', /attempt 2 of 2/);
    }));

  it('a result is stored exactly once: a second delivery is acknowledged and changes nothing', () =>
    withOrchestrator({}, async (h) => {
      const worker = await startWorker(h, 'twice', ['job']);
      const run = collect(h.tasks.runTask({ task: { toolType: 'job' } }));
      const a = assignOf(await worker.nextCommand());
      worker.run(a.taskId, { stdout: ['once'], exitCode: 0 });
      assert.deepEqual(await worker.nextAck(), { taskId: a.taskId, leaseEpoch: 1, accepted: true });
      const { result } = await run;
      worker.complete(a.taskId, { exitCode: 4, stdout: Buffer.from('other'), outputIncluded: true }, 1);
      assert.deepEqual(await worker.nextAck(), { taskId: a.taskId, leaseEpoch: 1, accepted: true });
      const stored = await h.tasks.getTask({ taskId: a.taskId });
      assert.deepEqual(stored.result, result);
      assert.equal(stored.result?.stdout.toString(), 'once');
      // Another epoch of a finished task is refused.
      worker.complete(a.taskId, {}, 2);
      assert.deepEqual(await worker.nextAck(), { taskId: a.taskId, leaseEpoch: 2, accepted: false });
    }));

  it('output_included: the result carries the whole output, replacing the chunks', () =>
    withOrchestrator({}, async (h) => {
      const worker = await startWorker(h, 'includer', ['job']);
      const run = collect(h.tasks.runTask({ task: { toolType: 'job' } }));
      const a = assignOf(await worker.nextCommand());
      worker.send({ taskId: a.taskId, event: { $case: 'output', output: { stream: 1, data: Buffer.from('par') } } });
      worker.complete(a.taskId, { stdout: Buffer.from('partial and the rest'), stderr: Buffer.from('warn'), outputIncluded: true });
      const { result } = await run;
      assert.equal(result.stdout.toString(), 'partial and the rest');
      assert.equal(result.stderr.toString(), 'warn');
      assert.equal(result.cause, 'COMPLETED');
    }));

  it('a retryable result runs the task again; the last attempt\'s result is final', () =>
    withOrchestrator({ maxAttempts: 3 }, async (h) => {
      const worker = await startWorker(h, 'flaky', ['job']);
      const shutdown = {
        state: TaskState.TASK_STATE_FAILED,
        exitCode: -1,
        error: { code: 'WORKER_SHUTDOWN', message: 'the worker stopped' },
        cause: 'WORKER_SHUTDOWN',
        retryable: true,
      };
      // Retried, then succeeds.
      const run = collect(h.tasks.runTask({ task: { toolType: 'job' } }));
      const a1 = assignOf(await worker.nextCommand());
      worker.run(a1.taskId, { ...shutdown, stdout: ['first '] });
      assert.deepEqual(await worker.nextAck(), { taskId: a1.taskId, leaseEpoch: 1, accepted: true });
      const a2 = assignOf(await worker.nextCommand(5000)); // after the retry's backoff (about 1 s)
      assert.deepEqual([a2.taskId, a2.attempt, a2.leaseEpoch], [a1.taskId, 2, 2]);
      // The retryable result delivered again is acknowledged, not applied again.
      worker.complete(a1.taskId, shutdown, 1);
      assert.deepEqual(await worker.nextAck(), { taskId: a1.taskId, leaseEpoch: 1, accepted: true });
      worker.run(a2.taskId, { stdout: ['second'] });
      const { result, events } = await run;
      assert.equal(result.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(result.attempt, 2);
      assert.equal(result.stdout.toString(), 'second');
      assert.equal(events.filter((e) => e.event?.$case === 'running').length, 2, 'each attempt says running');
      assert.deepEqual(worker.pendingCommands(), [], 'no third attempt');

      // Retryable every time: after max attempts the last result is final.
      const again = collect(h.tasks.runTask({ task: { toolType: 'job' } }));
      for (let attempt = 1; attempt <= 3; attempt++) {
        const a = assignOf(await worker.nextCommand(5000)); // retries back off: 1 s, then 2 s
        assert.equal(a.attempt, attempt);
        worker.run(a.taskId, shutdown);
      }
      const final = (await again).result;
      assert.equal(final.cause, 'WORKER_SHUTDOWN');
      assert.equal(final.retryable, true);
      assert.equal(final.attempt, 3);
    }));

  it('a cancel goes to the lease holder; CANCELLED comes with its result, or when its lease is lost', () =>
    withOrchestrator(SHORT, async (h) => {
      const worker = await startWorker(h, 'canceller', ['job']);
      worker.startHeartbeats(50);
      try {
        const submitted = await h.tasks.submitTask({ task: { toolType: 'job' } });
        const a = assignOf(await worker.nextCommand());
        assert.equal(a.taskId, submitted.taskId);
        assert.deepEqual(await h.tasks.cancelTask({ taskId: a.taskId, force: true }), { found: true });
        const cancel = await worker.nextCommand();
        assert.equal(cancel.command?.$case === 'cancel' && cancel.command.cancel.force, true);
        assert.equal((await h.tasks.getTask({ taskId: a.taskId })).state, TaskState.TASK_STATE_RUNNING, 'not before the worker confirms');
        worker.complete(a.taskId, { state: TaskState.TASK_STATE_CANCELLED, exitCode: 137, error: { code: 'CANCELLED', message: 'stopped' } });
        await waitFor(async () => (await h.tasks.getTask({ taskId: a.taskId })).state === TaskState.TASK_STATE_CANCELLED);

        // The holder never confirms and its lease runs out: CANCELLED, not run again.
        const other = await h.tasks.submitTask({ task: { toolType: 'job' } });
        const b = assignOf(await worker.nextCommand());
        assert.equal(b.taskId, other.taskId);
        worker.stopHeartbeats();
        await h.tasks.cancelTask({ taskId: b.taskId });
        const result = await waitFor(async () => (await h.tasks.getTask({ taskId: b.taskId })).result, 3000);
        assert.equal(result.state, TaskState.TASK_STATE_CANCELLED);
        assert.equal(result.cause, 'CANCELLED');
        assert.equal(result.retryable, false);
        assert.equal(result.attempt, 1);
      } finally {
        worker.stopHeartbeats();
      }
    }));
});

describe('worker condition and registration', () => {
  it('draining and unhealthy workers get nothing new; their tasks wait in the queue instead of failing', () =>
    withOrchestrator({}, async (h) => {
      const worker = await startWorker(h, 'drainer', ['job']);
      assert.equal(await worker.heartbeat({ draining: true }), true);
      const info = (await h.tasks.listWorkers({})).workers[0]!;
      assert.deepEqual([info.draining, info.healthy, info.healthDetail], [true, true, '']);

      const { taskId } = await h.tasks.submitTask({ task: { toolType: 'job' } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal((await h.tasks.getTask({ taskId })).state, TaskState.TASK_STATE_QUEUED);
      assert.deepEqual(worker.pendingCommands(), []);

      await worker.heartbeat({ draining: false, healthy: false, healthDetail: 'engine does not answer' });
      const sick = (await h.tasks.listWorkers({})).workers[0]!;
      assert.deepEqual([sick.draining, sick.healthy, sick.healthDetail], [false, false, 'engine does not answer']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal((await h.tasks.getTask({ taskId })).state, TaskState.TASK_STATE_QUEUED);

      // A healthy peer takes it at once.
      const peer = await startWorker(h, 'healthy-peer', ['job']);
      assert.equal(assignOf(await peer.nextCommand()).taskId, taskId);

      // Healthy again: the drainer gets work again.
      await worker.heartbeat({ healthy: true });
      const next = await h.tasks.submitTask({ task: { toolType: 'job' }, worker: 'drainer' });
      assert.equal(assignOf(await worker.nextCommand()).taskId, next.taskId);
    }));

  it('resumes a known agent id with its leases; an unknown id gets a new one; a new boot id loses the old leases', () =>
    withOrchestrator({}, async (h) => {
      const worker = await startWorker(h, 'resumer', ['job'], 1);
      const agentId = worker.agentId;
      assert.equal(worker.resumed, false);
      const { taskId } = await h.tasks.submitTask({ task: { toolType: 'job' } });
      assignOf(await worker.nextCommand());

      assert.equal(await worker.register({ agentId, bootId: 'boot-resumer' }), agentId);
      assert.equal(worker.resumed, true);
      const [info] = (await h.tasks.listWorkers({})).workers;
      assert.deepEqual(info?.activeTaskIds, [taskId]);

      const stranger = createFakeWorker(h.channel(), { name: 'stranger', toolTypes: ['other'] });
      const strangerId = await stranger.register({ agentId: 'not-known' });
      assert.notEqual(strangerId, 'not-known');
      assert.equal(stranger.resumed, false);

      // The same id from a new process: the old process's task runs again (on it, the only worker).
      assert.equal(await worker.register({ agentId, bootId: 'boot-2' }), agentId);
      const again = assignOf(await worker.nextCommand());
      assert.deepEqual([again.taskId, again.attempt, again.leaseEpoch], [taskId, 2, 2]);
    }));
});

describe('SubmitTask and GetTask', () => {
  it('submit returns at once; get shows state, worker, attempt, tool, then the result; unknown ids are NOT_FOUND', () =>
    withOrchestrator({}, async (h) => {
      const worker = await startWorker(h, 'getter', ['job'], 1);
      const first = await h.tasks.submitTask({ task: { toolType: 'job' } });
      const second = await h.tasks.submitTask({ task: { toolType: 'job' } });
      const a = assignOf(await worker.nextCommand());
      assert.equal(a.taskId, first.taskId);
      assert.deepEqual(await h.tasks.getTask({ taskId: first.taskId }), {
        taskId: first.taskId,
        state: TaskState.TASK_STATE_RUNNING,
        result: undefined,
        worker: 'getter',
        attempt: 1,
        toolType: 'job',
      });
      assert.deepEqual(await h.tasks.getTask({ taskId: second.taskId }), {
        taskId: second.taskId,
        state: TaskState.TASK_STATE_QUEUED,
        result: undefined,
        worker: '',
        attempt: 0,
        toolType: 'job',
      });
      worker.run(a.taskId, { stdout: ['got it'], exitCode: 2 });
      const done = await waitFor(async () => {
        const task = await h.tasks.getTask({ taskId: first.taskId });
        return task.result ? task : undefined;
      });
      assert.equal(done.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(done.result?.stdout.toString(), 'got it');
      assert.equal(done.result?.exitCode, 2);
      assert.equal(done.result?.cause, 'NON_ZERO_EXIT');
      assert.equal(done.worker, 'getter');
      assert.equal(done.attempt, 1);
      assert.equal(done.toolType, 'job');
      assert.equal(assignOf(await worker.nextCommand()).taskId, second.taskId);

      const invalid = await h.tasks.submitTask({ task: { toolType: '' } });
      const failed = await h.tasks.getTask({ taskId: invalid.taskId });
      assert.equal(failed.state, TaskState.TASK_STATE_FAILED);
      assert.deepEqual([failed.result?.cause, failed.result?.retryable, failed.attempt], ['INVALID_PARAMS', false, 0]);

      await assert.rejects(h.tasks.getTask({ taskId: 'no-such-task' }), (error: unknown) => {
        assert.ok(error instanceof ClientError);
        assert.equal(error.code, Status.NOT_FOUND);
        return true;
      });
      await assert.rejects(h.tasks.submitTask({}), (error: unknown) => error instanceof ClientError && error.code === Status.INVALID_ARGUMENT);
    }));

  it('results the orchestrator makes carry the error code as cause, and whether it is retryable', () =>
    withOrchestrator({}, async (h) => {
      const worker = await startWorker(h, 'busy', ['job'], 1);
      await h.tasks.submitTask({ task: { toolType: 'job' } });
      await worker.nextCommand();
      const queued = await h.tasks.submitTask({ task: { toolType: 'job' } });
      await h.tasks.cancelTask({ taskId: queued.taskId });
      const cases = [
        [queued.taskId, 'CANCELLED', false],
        [(await h.tasks.submitTask({ task: { toolType: 'list', params: { $case: 'list', list: { path: '.' } } } })).taskId, 'NO_WORKER', true],
        [(await h.tasks.submitTask({ task: { toolType: 'nobody_serves' } })).taskId, 'UNKNOWN_TOOL', false],
      ] as const;
      for (const [taskId, cause, retryable] of cases) {
        const { result } = await h.tasks.getTask({ taskId });
        assert.deepEqual([result?.cause, result?.error?.code, result?.retryable], [cause, cause, retryable], cause);
      }
    }));
});
