// The broker in process: a fake clock, the task store in memory, workers as sessions of the
// broker itself (no sockets). The RPC tests (test/rpc) check the same over the wire. Faults of
// #13 (backoff, engine outages, revoked and lost leases): task-broker-faults.test.ts.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CancelOutcome, Task, TaskState, type WorkerMessage } from '../gen/agent/v1/agent.js';
import { ANY_PLACEMENT } from '../placement/placement.js';
import { closeBrokers, commandsOf, describeEvent, job, leasedToFirstOfTwo, output, resultOf, startBroker, STDERR, STDOUT, WORKER_TIMEOUT_MS } from './task-broker-kit.js';

afterEach(closeBrokers);

describe('TaskBroker (in process, fake clock, store in memory)', () => {
  it('submit → assign → running → output → completed → ack, and the result for the client', async () => {
    const b = startBroker();
    const w1 = b.addWorker('w1');
    const { submitted, events } = b.submit();
    const { taskId } = submitted;
    assert.deepEqual(await commandsOf(w1), ['assign 1/1']);
    assert.deepEqual(b.broker.getTask(taskId), { taskId, state: TaskState.TASK_STATE_RUNNING, result: undefined, worker: 'w1', attempt: 1, toolType: 'job' });

    w1.send(taskId, { $case: 'accepted', accepted: { queuePosition: 0 } });
    w1.send(taskId, { $case: 'running', running: { containerId: 'c1', runtime: 'runc', profile: 'p' } });
    w1.send(taskId, output(STDOUT, 'hello ', 0));
    w1.send(taskId, output(STDOUT, 'world', 6));
    b.advance(250);
    w1.complete(taskId, 1, { exitCode: 0, durationMs: 250, cause: 'COMPLETED' });
    assert.deepEqual(await commandsOf(w1), ['ack 1 true']);

    const seen = await events;
    assert.deepEqual(seen.map(describeEvent), ['submitted w1', 'running', 'stdout hello ', 'stdout world', 'result COMPLETED']);
    const result = resultOf(seen);
    assert.deepEqual([result.state, result.stdout.toString(), result.worker, result.attempt], [TaskState.TASK_STATE_COMPLETED, 'hello world', 'w1', 1]);
    assert.equal(b.broker.getResult(taskId)?.stdout.toString(), 'hello world');
    assert.deepEqual(b.broker.listWorkers().map((w) => w.activeTaskIds), [[]], 'the slot is free');
    assert.equal(b.broker.queueUsage.tasks, 0);
  });

  it('a worker that misses heartbeats loses its lease: the task runs again on another worker, then fails WORKER_LOST when attempts run out', async () => {
    const b = startBroker(2);
    const { w2, taskId, events } = await leasedToFirstOfTwo(b);

    b.advance(6_000);
    w2.beat();
    b.broker.sweep();
    assert.equal(b.broker.getTask(taskId)?.worker, 'w1', 'within the timeout nothing changes');
    b.advance(WORKER_TIMEOUT_MS - 6_000 + 1);
    b.broker.sweep();
    assert.deepEqual(b.broker.listWorkers().map((w) => w.name), ['w2'], 'w1 is removed');
    assert.deepEqual(await commandsOf(w2), [], 'the retry backs off');
    b.advance(1_000);
    b.broker.sweep();
    assert.deepEqual(await commandsOf(w2), ['assign 2/2'], 'w2 runs it again, with a new epoch');
    assert.deepEqual([b.broker.getTask(taskId)?.worker, b.broker.getTask(taskId)?.attempt], ['w2', 2]);

    b.advance(WORKER_TIMEOUT_MS + 1);
    b.broker.sweep();
    const result = resultOf(await events);
    assert.deepEqual([result.state, result.cause, result.retryable, result.attempt], [TaskState.TASK_STATE_FAILED, 'WORKER_LOST', true, 2]);
    assert.match(result.error?.message ?? '', /worker w2 was lost: no heartbeat for more than 10000 ms \(attempt 2 of 2\)/);
    assert.equal(b.broker.getTask(taskId)?.state, TaskState.TASK_STATE_FAILED);
  });

  it('keeps only the bytes a resent chunk adds (by offset), per stream; a chunk without offset follows the one before', async () => {
    const b = startBroker();
    const w1 = b.addWorker('w1');
    const { submitted, events } = b.submit();
    const { taskId } = submitted;
    await w1.take();
    w1.send(taskId, output(STDOUT, 'abc', 0));
    w1.send(taskId, output(STDERR, 'e1', 0));
    w1.send(taskId, output(STDOUT, 'abcdef', 0)); // a resend with more: 'def' is new
    w1.send(taskId, output(STDOUT, 'cd', 2)); // nothing new
    w1.send(taskId, output(STDERR, 'e1e2', 0));
    w1.send(taskId, output(STDOUT, 'gh')); // an older worker: no offset
    w1.complete(taskId, 1);
    const seen = await events;
    assert.deepEqual(seen.map(describeEvent), ['submitted w1', 'stdout abc', 'stderr e1', 'stdout def', 'stderr e2', 'stdout gh', 'result COMPLETED']);
    const result = resultOf(seen);
    assert.deepEqual([result.stdout.toString(), result.stderr.toString()], ['abcdefgh', 'e1e2']);
  });

  it('cancel: a queued task ends CANCELLED at once; a running one is cancelled by its holder, whose result ends it', async () => {
    const b = startBroker();
    const w1 = b.addWorker('w1', { slots: 1 });
    const running = b.submit();
    const queued = b.submit();
    assert.deepEqual(await commandsOf(w1), ['assign 1/1'], 'one slot: the second task waits');
    assert.equal(b.broker.getTask(queued.submitted.taskId)?.state, TaskState.TASK_STATE_QUEUED);

    assert.equal(b.broker.cancel(queued.submitted.taskId, { force: false, reason: 'no longer needed' }), true);
    const queuedResult = resultOf(await queued.events);
    assert.deepEqual([queuedResult.state, queuedResult.cause, queuedResult.attempt], [TaskState.TASK_STATE_CANCELLED, 'CANCELLED', 0]);
    assert.match(queuedResult.error?.message ?? '', /cancelled before it started: no longer needed/);
    assert.deepEqual(await commandsOf(w1), [], 'the worker hears nothing of a queued task');

    const { taskId } = running.submitted;
    assert.equal(b.broker.cancel(taskId, { force: true, reason: 'stop' }), true);
    const [cancel] = await w1.take();
    assert.deepEqual(cancel, { taskId, command: { $case: 'cancel', cancel: { force: true, reason: 'stop', leaseEpoch: 1 } } });
    assert.equal(b.broker.getTask(taskId)?.state, TaskState.TASK_STATE_RUNNING, 'running until the worker confirms');
    w1.complete(taskId, 1, { state: TaskState.TASK_STATE_CANCELLED, cause: 'CANCELLED', exitCode: 137 });
    assert.deepEqual(await commandsOf(w1), ['ack 1 true']);
    assert.equal(resultOf(await running.events).state, TaskState.TASK_STATE_CANCELLED);
    assert.equal(b.broker.cancel(taskId, { force: false, reason: 'again' }), false, 'finished');
    assert.equal(b.broker.cancel('no-such-task', { force: false, reason: '' }), false);
  });

  it("refuses the result (and drops the output) of a lease taken away; the new lease's result is the task's", async () => {
    const b = startBroker(2);
    const { w1, w2, taskId, events } = await leasedToFirstOfTwo(b);

    // Both stay alive, but w1's heartbeats do not name the lease: it is not renewed.
    b.advance(WORKER_TIMEOUT_MS / 2);
    w1.beat();
    w2.beat();
    b.advance(WORKER_TIMEOUT_MS / 2 + 1);
    w1.beat();
    w2.beat();
    b.broker.sweep();
    b.advance(1_000);
    b.broker.sweep();
    assert.deepEqual(await commandsOf(w2), ['assign 2/2']);

    w1.send(taskId, output(STDOUT, 'stale output', 0), 1);
    w1.complete(taskId, 1, { stdout: Buffer.from('stale'), outputIncluded: true });
    assert.deepEqual(await commandsOf(w1), ['ack 1 false'], 'epoch 1 is no longer in force');
    assert.deepEqual([b.broker.getTask(taskId)?.state, b.broker.getTask(taskId)?.worker], [TaskState.TASK_STATE_RUNNING, 'w2']);

    w2.send(taskId, output(STDOUT, 'fresh', 0), 2);
    w2.complete(taskId, 2);
    assert.deepEqual(await commandsOf(w2), ['ack 2 true']);
    w2.complete(taskId, 2);
    assert.deepEqual(await commandsOf(w2), ['ack 2 true'], 'a resend of a stored result is acknowledged again');
    const seen = await events;
    assert.deepEqual(seen.map(describeEvent), ['submitted w1', 'stdout fresh', 'result COMPLETED']);
    assert.deepEqual([resultOf(seen).worker, resultOf(seen).attempt, resultOf(seen).stdout.toString()], ['w2', 2, 'fresh']);
  });

  it('fails an assignment larger than the worker accepts with MESSAGE_TOO_LARGE, without sending it; the next task goes to the worker', async () => {
    const b = startBroker();
    const w1 = b.addWorker('w1', { maxReceiveMessageBytes: 1024 });
    const big = b.submit(Task.fromPartial({ toolType: 'job', params: { $case: 'custom', custom: { values: { blob: 'x'.repeat(2048) } } } }));
    const result = resultOf(await big.events);
    assert.deepEqual([result.state, result.cause, result.retryable, result.attempt], [TaskState.TASK_STATE_FAILED, 'MESSAGE_TOO_LARGE', false, 0]);
    assert.match(result.error?.message ?? '', /the assignment is \d+ bytes, more than the 1024 bytes worker w1 accepts/);
    assert.deepEqual(await commandsOf(w1), [], 'nothing was sent');
    b.broker.submit(job, ANY_PLACEMENT, { follow: false });
    assert.deepEqual(await commandsOf(w1), ['assign 1/1']);
  });

  it('a cancel reply UNKNOWN ends a task whose cancel is pending CANCELLED and frees its slot; with no cancel pending it changes nothing', async () => {
    const b = startBroker();
    const w1 = b.addWorker('w1', { slots: 1 });
    const first = b.submit();
    const { taskId } = first.submitted;
    b.broker.submit(job, ANY_PLACEMENT, { follow: false });
    assert.deepEqual(await commandsOf(w1), ['assign 1/1']);
    const unknown: WorkerMessage['event'] = { $case: 'cancelReply', cancelReply: { outcome: CancelOutcome.CANCEL_OUTCOME_UNKNOWN } };
    w1.send(taskId, unknown);
    assert.equal(b.broker.getTask(taskId)?.state, TaskState.TASK_STATE_RUNNING, 'an unsolicited reply is ignored');

    b.broker.cancel(taskId, { force: false, reason: 'stop' });
    assert.deepEqual(await commandsOf(w1), ['cancel 1']);
    w1.send(taskId, { $case: 'cancelReply', cancelReply: { outcome: CancelOutcome.CANCEL_OUTCOME_CANCELLING } });
    assert.equal(b.broker.getTask(taskId)?.state, TaskState.TASK_STATE_RUNNING, 'CANCELLING: the result will end it');
    w1.send(taskId, unknown);
    const result = resultOf(await first.events);
    assert.deepEqual([result.state, result.cause, result.durationMs], [TaskState.TASK_STATE_CANCELLED, 'CANCELLED', 0]);
    assert.deepEqual(await commandsOf(w1), ['assign 1/1'], 'the freed slot takes the waiting task');
  });
});
