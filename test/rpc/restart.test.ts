// The durable orchestrator: close it and start a new one on the same --data-dir (and socket);
// nothing queued or finished is lost, and workers claim their leases back.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskState, type OrchestratorMessage } from '../../pkg/gen/agent/v1/agent.js';
import { TASK_DB_FILE } from '../../pkg/orchestrator/index.js';
import { createFakeWorker } from './fake-worker.js';
import { startOrchestrator, waitFor } from './harness.js';

const dataDirs: string[] = [];
after(() => Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function freshDataDir(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'orchestrator-data-'));
  dataDirs.push(parent);
  return join(parent, 'data');
}

function assignOf(message: OrchestratorMessage): { taskId: string; attempt: number; leaseEpoch: number } {
  assert.equal(message.command?.$case, 'assign', JSON.stringify(message));
  if (message.command?.$case !== 'assign') throw new Error('not an assignment');
  return { taskId: message.taskId, attempt: message.command.assign.attempt, leaseEpoch: message.command.assign.leaseEpoch };
}

describe('orchestrator restart with the same --data-dir', () => {
  it('keeps queued tasks and results; the worker re-claims its lease and its result is stored exactly once', async () => {
    const dataDir = await freshDataDir();
    const h = await startOrchestrator({ dataDir, workerTimeoutMs: 5000 });
    try {
      assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
      assert.ok((await stat(join(dataDir, TASK_DB_FILE))).isFile());
      const worker = createFakeWorker(h.channel(), { name: 'durable', toolTypes: ['job'], maxConcurrentTasks: 1 });
      const oldAgentId = await worker.register();
      await worker.connect();

      const done = await h.tasks.submitTask({ task: { toolType: 'job' } });
      worker.run(assignOf(await worker.nextCommand()).taskId, { stdout: ['finished before'], exitCode: 0 });
      await worker.nextAck();
      const leased = await h.tasks.submitTask({ task: { toolType: 'job', mountSource: '/m' } });
      const lease = assignOf(await worker.nextCommand());
      assert.equal(lease.taskId, leased.taskId);
      worker.send({ taskId: lease.taskId, event: { $case: 'running', running: { containerId: 'c1', runtime: 'runc', profile: 'baaaht/v1' } } });
      const queued = [];
      for (let i = 0; i < 3; i++) queued.push((await h.tasks.submitTask({ task: { toolType: 'job' } })).taskId);
      const finishedBefore = (await h.tasks.getTask({ taskId: done.taskId })).result;

      await h.restart();

      assert.deepEqual((await h.tasks.getTask({ taskId: done.taskId })).result, finishedBefore, 'the result is served after the restart');
      assert.deepEqual(await h.tasks.getTask({ taskId: leased.taskId }), {
        taskId: leased.taskId,
        state: TaskState.TASK_STATE_RUNNING,
        result: undefined,
        worker: 'durable',
        attempt: 1,
        toolType: 'job',
      });
      for (const taskId of queued) assert.equal((await h.tasks.getTask({ taskId })).state, TaskState.TASK_STATE_QUEUED);
      assert.deepEqual((await h.tasks.listWorkers({})).workers, [], 'workers register again');

      // The worker finds the new orchestrator: its id is unknown, it registers anew and heartbeats its lease.
      worker.moveTo(h.channel());
      assert.equal(await worker.heartbeat(), false);
      const newAgentId = await worker.register({ agentId: oldAgentId });
      assert.notEqual(newAgentId, oldAgentId);
      assert.equal(worker.resumed, false);
      await worker.connect();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(worker.pendingCommands(), [], 'nothing new before its first heartbeat has claimed its leases');
      assert.equal(await worker.heartbeat(), true);
      const [info] = (await h.tasks.listWorkers({})).workers;
      assert.deepEqual(info?.activeTaskIds, [leased.taskId], 'the lease is claimed');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(worker.pendingCommands(), [], 'its one slot is taken by the claimed lease');

      // The result, delivered twice (the first ack "lost"): stored once, both acknowledged.
      worker.complete(lease.taskId, { exitCode: 0, stdout: Buffer.from('after the restart'), outputIncluded: true, durationMs: 5 });
      worker.complete(lease.taskId, { exitCode: 1, stdout: Buffer.from('a different copy'), outputIncluded: true, durationMs: 6 }, lease.leaseEpoch);
      assert.deepEqual(await worker.nextAck(), { taskId: lease.taskId, leaseEpoch: 1, accepted: true });
      assert.deepEqual(await worker.nextAck(), { taskId: lease.taskId, leaseEpoch: 1, accepted: true });
      const stored = await h.tasks.getTask({ taskId: lease.taskId });
      assert.equal(stored.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(stored.result?.stdout.toString(), 'after the restart');
      assert.equal(stored.result?.exitCode, 0);
      assert.equal(stored.result?.worker, 'durable');
      assert.equal(stored.result?.attempt, 1);

      // The queued tasks follow, in submission order.
      for (const taskId of queued) {
        const next = assignOf(await worker.nextCommand());
        assert.deepEqual([next.taskId, next.attempt, next.leaseEpoch], [taskId, 1, 1]);
        worker.run(taskId, { stdout: [taskId] });
        await worker.nextAck();
      }
      for (const taskId of queued) assert.equal((await h.tasks.getTask({ taskId })).result?.stdout.toString(), taskId);

      // And once more: everything finished is still there.
      await h.restart();
      assert.equal((await h.tasks.getTask({ taskId: lease.taskId })).result?.stdout.toString(), 'after the restart');
      assert.equal(h.orchestrator.getResult(queued[2]!)?.stdout.toString(), queued[2]);
    } finally {
      await h.close();
    }
  });

  it('a lease nobody claims after the restart is taken away: the task runs again elsewhere; a pending cancel survives', async () => {
    const dataDir = await freshDataDir();
    const h = await startOrchestrator({ dataDir, workerTimeoutMs: 300 });
    try {
      const gone = createFakeWorker(h.channel(), { name: 'gone', toolTypes: ['job'] });
      await gone.register();
      await gone.connect();
      const lost = await h.tasks.submitTask({ task: { toolType: 'job' } });
      const cancelled = await h.tasks.submitTask({ task: { toolType: 'job' } });
      assignOf(await gone.nextCommand());
      assignOf(await gone.nextCommand());
      await h.tasks.cancelTask({ taskId: cancelled.taskId });

      await h.restart();
      const heir = createFakeWorker(h.channel(), { name: 'heir', toolTypes: ['job'] });
      await heir.register();
      await heir.connect();
      heir.startHeartbeats(50);
      try {
        const again = assignOf(await heir.nextCommand(3000));
        assert.deepEqual([again.taskId, again.attempt, again.leaseEpoch], [lost.taskId, 2, 2]);
        const result = await waitFor(async () => (await h.tasks.getTask({ taskId: cancelled.taskId })).result);
        assert.equal(result.state, TaskState.TASK_STATE_CANCELLED, 'lost with a cancel pending: cancelled, not run again');
        heir.run(again.taskId, { stdout: ['second attempt'] });
        const final = await waitFor(async () => (await h.tasks.getTask({ taskId: lost.taskId })).result);
        assert.deepEqual([final.attempt, final.worker, final.stdout.toString()], [2, 'heir', 'second attempt']);
      } finally {
        heir.stopHeartbeats();
      }
    } finally {
      await h.close();
    }
  });

  it(':memory: keeps nothing across a restart', async () => {
    const h = await startOrchestrator({ dataDir: ':memory:' });
    try {
      const { taskId } = await h.tasks.submitTask({ task: { toolType: 'nobody' } });
      assert.equal((await h.tasks.getTask({ taskId })).result?.cause, 'UNKNOWN_TOOL');
      await h.restart();
      await assert.rejects(h.tasks.getTask({ taskId }), /NOT_FOUND|unknown/);
    } finally {
      await h.close();
    }
  });
});
