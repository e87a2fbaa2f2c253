// Placement over the real socket: workers register with groups and labels, tasks ask for them,
// the orchestrator assigns accordingly, ListTasks shows where each task is, and bad names are refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TaskState, type RunTaskRequest } from '../../pkg/gen/agent/v1/agent.js';
import { createFakeWorker, type FakeWorker } from './fake-worker.js';
import { startOrchestrator, type Harness } from './harness.js';

const read = (placement: Partial<RunTaskRequest> = {}): RunTaskRequest => ({
  task: { toolType: 'file_read', mountSource: '/tmp', writable: false, timeoutMs: 0, sessionId: '', params: { $case: 'fileRead', fileRead: { path: 'a' } } },
  worker: '',
  group: '',
  labels: {},
  idempotencyKey: '',
  ...placement,
});

describe('placement over the socket (scripted workers)', () => {
  let h: Harness;
  let plain: FakeWorker;
  let gpu: FakeWorker;
  before(async () => {
    h = await startOrchestrator();
    plain = createFakeWorker(h.channel(), { name: 'plain', toolTypes: ['file_read'], maxConcurrentTasks: 4 });
    gpu = createFakeWorker(h.channel(), { name: 'gpu-1', toolTypes: ['file_read'], maxConcurrentTasks: 1 });
    await plain.register({ labels: { zone: 'a' } });
    await gpu.register({ group: 'gpu', labels: { zone: 'a', accel: 'yes' } });
    await plain.connect();
    await gpu.connect();
  });
  after(async () => {
    await h.close();
  });

  it('ListWorkers shows each worker’s group; a worker that gives none is in the default group', async () => {
    const { workers } = await h.tasks.listWorkers({});
    assert.deepEqual(
      workers.map((w) => [w.name, w.group, w.labels]).sort(),
      [['gpu-1', 'gpu', { zone: 'a', accel: 'yes' }], ['plain', 'default', { zone: 'a' }]],
    );
  });

  it('a task for the gpu group goes to gpu-1 only, and waits for it while it is busy', async () => {
    const first = await h.tasks.submitTask(read({ group: 'gpu' }));
    const assigned = await gpu.nextCommand();
    assert.equal(assigned.taskId, first.taskId);
    const second = await h.tasks.submitTask(read({ labels: { accel: 'yes' } }));
    const { tasks } = await h.tasks.listTasks({ recentFinished: 0 });
    const byId = new Map(tasks.map((t) => [t.taskId, t]));
    assert.equal(byId.get(first.taskId)?.worker, 'gpu-1');
    assert.equal(byId.get(first.taskId)?.group, 'gpu');
    assert.equal(byId.get(second.taskId)?.state, TaskState.TASK_STATE_QUEUED, 'plain is free but lacks accel=yes');
    assert.deepEqual(byId.get(second.taskId)?.labels, { accel: 'yes' });
    assert.deepEqual(plain.pendingCommands(), []);
    gpu.complete(first.taskId);
    const next = await gpu.nextCommand();
    assert.equal(next.taskId, second.taskId);
    gpu.complete(second.taskId);
    await gpu.nextAck();
    await gpu.nextAck();
    const after = await h.tasks.listTasks({ recentFinished: 10 });
    const finished = after.tasks.filter((t) => t.taskId === first.taskId || t.taskId === second.taskId);
    assert.deepEqual(finished.map((t) => [t.state, t.worker]), [
      [TaskState.TASK_STATE_COMPLETED, 'gpu-1'],
      [TaskState.TASK_STATE_COMPLETED, 'gpu-1'],
    ]);
    assert.equal(finished[0]?.taskId, second.taskId, 'newest first');
    assert.ok((finished[0]?.finishedAtMs ?? 0) > 0);
  });

  it('no worker matches: the task fails NO_WORKER at once, naming the workers there are', async () => {
    const events = [];
    for await (const event of h.tasks.runTask(read({ group: 'gpu', labels: { zone: 'b' } }))) events.push(event);
    const result = events.at(-1)?.event;
    assert.equal(result?.$case, 'result');
    if (result?.$case !== 'result') return;
    assert.equal(result.result.error?.code, 'NO_WORKER');
    assert.equal(
      result.result.error?.message,
      'no registered worker matches group "gpu", labels zone=b (registered: plain in group default, gpu-1 in group gpu)',
    );
  });

  it('bad names are refused: INVALID_ARGUMENT for a task, and for a worker that registers with them (control characters too)', async () => {
    await assert.rejects(h.tasks.submitTask(read({ group: '../etc' })), /INVALID_ARGUMENT.*group "\.\.\/etc" is not/);
    await assert.rejects(h.tasks.submitTask(read({ labels: { 'a b': 'c' } })), /INVALID_ARGUMENT.*label key "a b" is not/);
    const bad = createFakeWorker(h.channel(), { name: 'bad', toolTypes: ['file_read'] });
    await assert.rejects(bad.register({ group: 'GPU' }), /INVALID_ARGUMENT.*Register: group "GPU" is not/);
    await assert.rejects(bad.register({ labels: { zone: 'x'.repeat(64) } }), /INVALID_ARGUMENT.*Register: label zone/);
    await assert.rejects(bad.register({ name: 'bad\u001b]0;owned\u0007' }), /INVALID_ARGUMENT.*Register: name contains control characters/);
    await assert.rejects(h.tasks.submitTask(read({ worker: 'w\n1' })), /INVALID_ARGUMENT.*worker contains control characters/);
    const { workers } = await h.tasks.listWorkers({});
    assert.ok(!workers.some((w) => w.name === 'bad'));
  });
});
