// #12 §1, [O14]: the worker answers every cancel with a CancelReply. From the lease holder, at the
// lease in force: UNKNOWN (nothing runs there) ends the task CANCELLED at once and frees its
// slot; CANCELLING and FINISHED leave it to the result that follows. Anyone else's reply, and a
// reply about another epoch, change nothing. Before, every reply was ignored: a task its worker
// did not have stayed leased until the worker timeout. The worker is scripted (fake-worker.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CancelOutcome, Task, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { createFakeWorker, type FakeWorker } from './fake-worker.js';
import { collect, startOrchestrator, type Collected, type Harness } from './harness.js';

const job = Task.fromPartial({ toolType: 'job', params: { $case: 'custom', custom: { values: {} } } });

describe('cancel replies from the worker', () => {
  let h: Harness;
  let holder: FakeWorker;
  let other: FakeWorker;
  before(async () => {
    h = await startOrchestrator();
    holder = createFakeWorker(h.channel(), { name: 'holder', toolTypes: ['job'], maxConcurrentTasks: 1 });
    other = createFakeWorker(h.channel(), { name: 'other', toolTypes: ['something-else'] });
    for (const w of [holder, other]) {
      await w.register({ protocolVersion: 2 });
      await w.connect();
      w.startHeartbeats(500);
    }
  });
  after(async () => {
    holder.stopHeartbeats();
    other.stopHeartbeats();
    await h.close();
  });

  /** A job running on the holder; its client's result comes within 5 s (the worker timeout is 10 s). */
  async function startJob(): Promise<{ run: Promise<Collected>; taskId: string }> {
    const run = collect(h.tasks.runTask({ task: job }, { signal: AbortSignal.timeout(5_000) }));
    const assigned = await holder.nextCommand();
    assert.equal(assigned.command?.$case, 'assign');
    const { taskId } = assigned;
    holder.send({ taskId, event: { $case: 'accepted', accepted: { queuePosition: 0 } } });
    holder.send({ taskId, event: { $case: 'running', running: { containerId: 'c', runtime: 'runc', profile: 'p' } } });
    return { run, taskId };
  }

  /** A client cancels the task; the holder gets the cancel for lease 1. */
  async function cancel(taskId: string): Promise<void> {
    assert.equal((await h.tasks.cancelTask({ taskId })).found, true);
    const command = await holder.nextCommand();
    assert.deepEqual(command, { taskId, command: { $case: 'cancel', cancel: { force: false, reason: 'cancelled by a client', leaseEpoch: 1 } } });
  }

  const reply = (sender: FakeWorker, taskId: string, outcome: CancelOutcome, leaseEpoch = 1): void =>
    sender.send({ taskId, leaseEpoch, event: { $case: 'cancelReply', cancelReply: { outcome } } });

  /** Everything `sender` sent before was handled: its stream is read in order, and a result is always answered. */
  async function handled(sender: FakeWorker): Promise<void> {
    sender.complete('no-such-task', {}, 1);
    assert.deepEqual(await sender.nextAck(), { taskId: 'no-such-task', leaseEpoch: 1, accepted: false });
  }

  const stateOf = async (taskId: string): Promise<TaskState> => (await h.tasks.getTask({ taskId })).state;

  it('UNKNOWN from the holder: the task ends CANCELLED at once, its slot is free, a late result of that lease is refused', async () => {
    const { run, taskId } = await startJob();
    await cancel(taskId);
    reply(holder, taskId, CancelOutcome.CANCEL_OUTCOME_UNKNOWN);
    const { result } = await run;
    assert.deepEqual([result.state, result.cause, result.retryable], [TaskState.TASK_STATE_CANCELLED, 'CANCELLED', false]);
    assert.match(result.error?.message ?? '', /cancelled \(cancelled by a client\); worker holder did not have it \(cancel reply UNKNOWN\)/);

    const next = await startJob(); // one slot: the holder takes the next job at once
    holder.complete(next.taskId, { stdout: Buffer.from('next'), outputIncluded: true });
    assert.deepEqual(await holder.nextAck(), { taskId: next.taskId, leaseEpoch: 1, accepted: true });
    assert.equal((await next.run).result.state, TaskState.TASK_STATE_COMPLETED);

    holder.complete(taskId, {}, 1);
    assert.deepEqual(await holder.nextAck(), { taskId, leaseEpoch: 1, accepted: false });
  });

  for (const [outcome, name] of [
    [CancelOutcome.CANCEL_OUTCOME_CANCELLING, 'CANCELLING'],
    [CancelOutcome.CANCEL_OUTCOME_FINISHED, 'FINISHED'],
  ] as const) {
    it(`${name} from the holder: the task waits for the worker's result`, async () => {
      const { run, taskId } = await startJob();
      await cancel(taskId);
      reply(holder, taskId, outcome);
      await handled(holder);
      assert.equal(await stateOf(taskId), TaskState.TASK_STATE_RUNNING);
      const reached = outcome === CancelOutcome.CANCEL_OUTCOME_CANCELLING
        ? { state: TaskState.TASK_STATE_CANCELLED, cause: 'CANCELLED', exitCode: 137, error: { code: 'CANCELLED', message: 'stopped by the worker' } }
        : { state: TaskState.TASK_STATE_COMPLETED, cause: 'COMPLETED', exitCode: 0 };
      holder.complete(taskId, reached);
      assert.deepEqual(await holder.nextAck(), { taskId, leaseEpoch: 1, accepted: true });
      const { result } = await run;
      assert.deepEqual([result.state, result.cause, result.exitCode], [reached.state, reached.cause, reached.exitCode]);
    });
  }

  it('UNKNOWN about another epoch, or from a worker that does not hold the lease: ignored', async () => {
    const { run, taskId } = await startJob();
    await cancel(taskId);
    reply(holder, taskId, CancelOutcome.CANCEL_OUTCOME_UNKNOWN, 0);
    reply(holder, taskId, CancelOutcome.CANCEL_OUTCOME_UNKNOWN, 2);
    await handled(holder);
    assert.equal(await stateOf(taskId), TaskState.TASK_STATE_RUNNING);
    reply(other, taskId, CancelOutcome.CANCEL_OUTCOME_UNKNOWN, 1);
    await handled(other);
    assert.equal(await stateOf(taskId), TaskState.TASK_STATE_RUNNING);
    holder.complete(taskId, { state: TaskState.TASK_STATE_CANCELLED, cause: 'CANCELLED', exitCode: 137 });
    assert.deepEqual(await holder.nextAck(), { taskId, leaseEpoch: 1, accepted: true });
    assert.equal((await run).result.exitCode, 137, "the holder's own result");
  });
});
