// Conformance, orchestrator side: CancelTask, checked on the real bin/orchestrator by workers
// scripted in the test (docs/protocol.md, §7).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelOutcome, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import {
  accepted,
  cancelReply,
  completed,
  eventually,
  follow,
  retryableFailure,
  running,
  toolTask,
  useOrchestrator,
  within,
  type WorkerStream,
} from './scripted-worker.js';

describe('conformance: the orchestrator cancels tasks', { timeout: 120_000 }, () => {
  // A worker timeout far longer than any wait below: nothing here ends by a lost lease.
  const orch = useOrchestrator(['--worker-timeout', '120s', '--max-attempts', '3']);
  /** A worker of its own for each test (the only one serving `tool`), its stream open. */
  const worker = async (tool: string, maxConcurrentTasks = 4): Promise<WorkerStream> =>
    (await orch.connected(`cancel-${tool}`, [tool], { capabilities: { toolTypes: [tool], maxConcurrentTasks, runtimes: ['runc'] } })).s;

  it('[O14] CancelTask of a queued task ends it CANCELLED at once, and it is never assigned', async () => {
    const s = await worker('conf_q', 1);
    const busy = follow(orch.tasks, toolTask({}, 'conf_q'));
    const first = await s.take('assign');
    const queued = follow(orch.tasks, toolTask({}, 'conf_q'));
    const queuedId = await within(queued.taskId, 'the queued task id');
    assert.equal((await orch.tasks.getTask({ taskId: queuedId })).state, TaskState.TASK_STATE_QUEUED, 'the worker\'s only slot is taken');

    assert.deepEqual(await orch.tasks.cancelTask({ taskId: queuedId, force: false }), { found: true });
    const result = await within(queued.result, 'the queued task\'s result');
    assert.deepEqual([result.state, result.cause], [TaskState.TASK_STATE_CANCELLED, 'CANCELLED']);
    assert.equal((await orch.tasks.getTask({ taskId: queuedId })).state, TaskState.TASK_STATE_CANCELLED);

    // The slot frees: the next assignment is of a task submitted after, not the cancelled one.
    s.send(completed(first.taskId, 1));
    await within(busy.result, 'the first task\'s result');
    const later = follow(orch.tasks, toolTask({}, 'conf_q'));
    const next = await s.take('assign');
    assert.equal(next.taskId, await within(later.taskId, 'the later task id'));
    assert.ok(!s.received.some((m) => m.taskId === queuedId), 'nothing about the cancelled task reached the worker');
    s.send(completed(next.taskId, 1));
    await within(later.result, 'the later task\'s result');
  });

  it('[O14] CancelTask of a leased task sends cancel with the lease\'s epoch and force to its holder; the holder\'s result ends it', async () => {
    const s = await worker('conf_l');
    const run = follow(orch.tasks, toolTask({}, 'conf_l'));
    const { taskId } = await s.take('assign');
    s.send(retryableFailure(taskId, 1)); // so that the lease in force is epoch 2
    assert.deepEqual((await s.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: true });
    const second = await s.take('assign', taskId);
    assert.equal(second.command.assign.leaseEpoch, 2);
    s.send(accepted(taskId, 2));
    s.send(running(taskId, 2));
    await eventually(() => run.events.some((e) => e.event?.$case === 'running'), 'the client saw it running');

    assert.deepEqual(await orch.tasks.cancelTask({ taskId, force: true }), { found: true });
    const cancel = await s.take('cancel', taskId);
    assert.equal(cancel.command.cancel.leaseEpoch, 2, 'the epoch of the lease in force');
    assert.equal(cancel.command.cancel.force, true);
    assert.equal((await orch.tasks.getTask({ taskId })).state, TaskState.TASK_STATE_RUNNING, 'it ends with the holder\'s result, not before');

    s.send(cancelReply(taskId, 2, CancelOutcome.CANCEL_OUTCOME_CANCELLING));
    s.send(completed(taskId, 2, { state: TaskState.TASK_STATE_CANCELLED, cause: 'CANCELLED', exitCode: 137, error: { code: 'CANCELLED', message: 'cancelled' } }));
    assert.deepEqual((await s.take('ack', taskId)).command.ack, { leaseEpoch: 2, accepted: true });
    const result = await within(run.result, 'the result');
    assert.deepEqual([result.state, result.cause, result.attempt], [TaskState.TASK_STATE_CANCELLED, 'CANCELLED', 2]);
  });

  it('[O14] a result the holder reached before the cancel stands', async () => {
    const s = await worker('conf_first');
    const run = follow(orch.tasks, toolTask({}, 'conf_first'));
    const { taskId } = await s.take('assign');
    s.send(running(taskId, 1));
    await eventually(() => run.events.some((e) => e.event?.$case === 'running'), 'the client saw it running');
    assert.deepEqual(await orch.tasks.cancelTask({ taskId, force: false }), { found: true });
    const cancel = await s.take('cancel', taskId);
    assert.deepEqual([cancel.command.cancel.leaseEpoch, cancel.command.cancel.force], [1, false]);
    s.send(completed(taskId, 1, { cause: 'COMPLETED', exitCode: 0 }));
    s.send(cancelReply(taskId, 1, CancelOutcome.CANCEL_OUTCOME_FINISHED));
    const result = await within(run.result, 'the result');
    assert.deepEqual([result.state, result.cause], [TaskState.TASK_STATE_COMPLETED, 'COMPLETED']);
  });

  it('[O14] a holder that answers cancel_reply UNKNOWN ends the task CANCELLED at once', async () => {
    const s = await worker('conf_unknown');
    const run = follow(orch.tasks, toolTask({}, 'conf_unknown'));
    const { taskId } = await s.take('assign');
    assert.deepEqual(await orch.tasks.cancelTask({ taskId, force: false }), { found: true });
    const cancel = await s.take('cancel', taskId);
    assert.equal(cancel.command.cancel.leaseEpoch, 1);
    s.send(cancelReply(taskId, 1, CancelOutcome.CANCEL_OUTCOME_UNKNOWN));
    // No result follows from the worker; the worker timeout (120 s) is far away.
    const result = await within(run.result, 'the result after cancel_reply UNKNOWN');
    assert.deepEqual([result.state, result.cause], [TaskState.TASK_STATE_CANCELLED, 'CANCELLED']);
    assert.equal((await orch.tasks.getTask({ taskId })).state, TaskState.TASK_STATE_CANCELLED);
  });

  it('[O14] CancelTaskResponse.found is false for an unknown task and for a finished one, which stays as it was', async () => {
    assert.deepEqual(await orch.tasks.cancelTask({ taskId: 'no-such-task', force: false }), { found: false });
    const s = await worker('conf_done');
    const done = follow(orch.tasks, toolTask({}, 'conf_done'));
    const { taskId } = await s.take('assign');
    s.send(completed(taskId, 1));
    await within(done.result, 'the result');
    assert.deepEqual(await orch.tasks.cancelTask({ taskId, force: true }), { found: false });
    const stored = await orch.tasks.getTask({ taskId });
    assert.deepEqual([stored.state, stored.result?.cause], [TaskState.TASK_STATE_COMPLETED, 'COMPLETED']);
    // The first cancel the worker gets is for a task cancelled after: none went out for the finished one.
    const later = follow(orch.tasks, toolTask({}, 'conf_done'));
    const { taskId: laterId } = await s.take('assign');
    assert.deepEqual(await orch.tasks.cancelTask({ taskId: laterId, force: false }), { found: true });
    assert.equal((await s.take('cancel')).taskId, laterId);
    s.send(completed(laterId, 1, { state: TaskState.TASK_STATE_CANCELLED, cause: 'CANCELLED', exitCode: 137 }));
    await within(later.result, 'the later task\'s result');
  });
});
