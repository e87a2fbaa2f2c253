// The broker's answers to the faults of #13, in process with a fake clock: retries back off,
// a worker whose engine is down gets nothing new, tasks whose workers left fail NO_WORKER,
// heartbeats get revoked leases, a lost lease's finished result still counts, and a result the
// store cannot take is not acknowledged.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TaskResult, TaskState } from '../gen/agent/v1/agent.js';
import { ANY_PLACEMENT } from '../placement/placement.js';
import { IN_MEMORY, openTaskStore, type TaskStore } from './task-store.js';
import { closeBrokers, commandsOf, job, leasedToFirstOfTwo, resultOf, startBroker, WORKER_TIMEOUT_MS } from './task-broker-kit.js';

afterEach(closeBrokers);

describe('TaskBroker faults (in process, fake clock, store in memory)', () => {
  it('a retryable result is run again only after a backoff (1 s, then 2 s), preferring another worker', async () => {
    const b = startBroker(3);
    const { w1, w2, taskId, events } = await leasedToFirstOfTwo(b);
    const engineDown = { state: TaskState.TASK_STATE_FAILED, cause: 'ENGINE_UNAVAILABLE', retryable: true };
    w1.complete(taskId, 1, engineDown);
    assert.deepEqual(await commandsOf(w1), ['ack 1 true'], 'not re-assigned at once');
    b.advance(999);
    b.broker.sweep();
    assert.deepEqual([await commandsOf(w1), await commandsOf(w2)], [[], []], 'not before 1 s');
    b.advance(1);
    w1.beat();
    w2.beat();
    b.broker.sweep();
    assert.deepEqual([await commandsOf(w1), await commandsOf(w2)], [[], ['assign 2/2']], 'after 1 s, on the worker that did not run it');
    w2.complete(taskId, 2, engineDown);
    assert.deepEqual(await commandsOf(w2), ['ack 2 true']);
    b.advance(1_999);
    b.broker.sweep();
    assert.equal(b.broker.getTask(taskId)?.state, TaskState.TASK_STATE_QUEUED, 'the second retry waits 2 s');
    b.advance(1);
    w1.beat();
    w2.beat();
    b.broker.sweep();
    const [assign] = [...(await commandsOf(w1)), ...(await commandsOf(w2))];
    assert.equal(assign, 'assign 3/3');
    assert.equal(b.broker.getTask(taskId)?.attempt, 3);
    (b.broker.getTask(taskId)?.worker === 'w1' ? w1 : w2).complete(taskId, 3);
    assert.equal(resultOf(await events).cause, 'COMPLETED', 'the third attempt is the result');
  });

  it('a worker that reported ENGINE_UNAVAILABLE gets no new task until a heartbeat after it says healthy; an unhealthy heartbeat stops it again', async () => {
    const b = startBroker(3);
    const w1 = b.addWorker('w1');
    const { submitted, events } = b.submit();
    const { taskId } = submitted;
    assert.deepEqual(await commandsOf(w1), ['assign 1/1']);
    w1.complete(taskId, 1, { state: TaskState.TASK_STATE_FAILED, cause: 'ENGINE_UNAVAILABLE', retryable: true });
    assert.deepEqual(await commandsOf(w1), ['ack 1 true']);
    b.advance(5_000);
    b.broker.sweep();
    assert.deepEqual(await commandsOf(w1), [], 'backoff over, but its engine was down');
    w1.beat([], { healthy: false });
    b.broker.sweep();
    assert.deepEqual(await commandsOf(w1), [], 'still unhealthy');
    w1.beat();
    assert.deepEqual(await commandsOf(w1), ['assign 2/2'], 'a healthy heartbeat after the result: it takes tasks again');
    w1.complete(taskId, 2);
    assert.equal(resultOf(await events).attempt, 2);
  });

  it('tasks queued when the last worker serving their tool leaves fail NO_WORKER after the hold, never UNKNOWN_TOOL', async () => {
    const b = startBroker();
    const w1 = b.addWorker('w1', { slots: 1 });
    b.broker.submit(job, ANY_PLACEMENT, { follow: false });
    assert.deepEqual(await commandsOf(w1), ['assign 1/1']);
    const queued = b.submit();
    b.broker.unregisterWorker(w1.agentId, 'stopping');
    b.advance(WORKER_TIMEOUT_MS + 1);
    b.broker.sweep();
    const result = resultOf(await queued.events);
    assert.deepEqual([result.cause, result.retryable], ['NO_WORKER', true]);
  });

  it('a heartbeat gets back, as revoked, the leases it lists that are not its own in force; an older epoch of a task it holds now is kept', async () => {
    const b = startBroker(3);
    const { w1, w2, taskId, events } = await leasedToFirstOfTwo(b);
    const other = b.submit();
    assert.deepEqual(await commandsOf(w2), ['assign 1/1']);
    const otherId = other.submitted.taskId;
    assert.deepEqual(w1.beat([{ taskId, leaseEpoch: 1 }]), [], 'its own lease in force');
    const listed = [
      { taskId, leaseEpoch: 3 }, // never given
      { taskId: otherId, leaseEpoch: 1 }, // another worker's
      { taskId: 'no-such-task', leaseEpoch: 1 },
    ];
    assert.deepEqual(w1.beat([{ taskId, leaseEpoch: 1 }, ...listed]), listed);
    w2.complete(otherId, 1);
    assert.deepEqual(await commandsOf(w2), ['ack 1 true']);
    assert.deepEqual(w1.beat([{ taskId: otherId, leaseEpoch: 1 }]), [{ taskId: otherId, leaseEpoch: 1 }], 'finished by another worker');
    assert.deepEqual(w2.beat([{ taskId: otherId, leaseEpoch: 1 }], {}, []), [], 'its own delivered result: the ack settles it');

    // w1 loses its lease and gets the task again (epoch 2): its epoch 1 is adopted, not revoked.
    b.advance(WORKER_TIMEOUT_MS + 1);
    w2.beat();
    w1.beat();
    b.broker.sweep();
    b.advance(1_000);
    w2.beat([], { healthy: false });
    w1.beat();
    b.broker.sweep();
    assert.deepEqual(await commandsOf(w1), ['assign 2/2']);
    assert.deepEqual(w1.beat([{ taskId, leaseEpoch: 1 }, { taskId, leaseEpoch: 2 }]), [], 'the older epoch of its own task is not revoked');
    assert.deepEqual(w2.beat([{ taskId, leaseEpoch: 1 }]), [{ taskId, leaseEpoch: 1 }], 'but it is for anyone else');
    w1.complete(taskId, 2);
    assert.equal(resultOf(await events).attempt, 2);
  });

  it('a finished result of a lost lease is accepted while the task waits in the queue, not run elsewhere', async () => {
    const b = startBroker(3);
    const w1 = b.addWorker('w1');
    const { submitted, events } = b.submit();
    const { taskId } = submitted;
    assert.deepEqual(await commandsOf(w1), ['assign 1/1']);
    // Paused past its timeout: removed, the task queued again (backing off).
    b.advance(WORKER_TIMEOUT_MS + 1);
    b.broker.sweep();
    assert.equal(b.broker.getTask(taskId)?.state, TaskState.TASK_STATE_QUEUED);
    // It comes back (unknown: it registers anew, proving its old agent id) with its finished result.
    const back = b.broker.registerWorker(
      { name: 'w1', hostname: 'h', pid: 1, version: 'v', group: 'default', labels: {}, capabilities: { toolTypes: ['job'], maxConcurrentTasks: 1, runtimes: ['runc'] }, bootId: 'boot-w1', protocolVersion: 2, maxReceiveMessageBytes: 4 * 1024 * 1024 },
      { agentId: w1.agentId, token: w1.token },
    );
    assert.equal(back.kind, 'registered');
    if (back.kind !== 'registered') return;
    assert.notEqual(back.agentId, w1.agentId);
    const session = b.broker.openSession(back.agentId);
    assert.ok(session);
    const listed = [{ taskId, leaseEpoch: 1 }];
    const answer = b.broker.heartbeat(back.agentId, { activeTaskIds: [], leases: listed, condition: { draining: false, healthy: true, healthDetail: '', diskLow: false } });
    assert.deepEqual(answer, { known: true, revoked: [] }, 'a finished run of its lost lease is not revoked');
    void session.receive({ taskId, leaseEpoch: 1, event: { $case: 'completed', completed: TaskResult.fromPartial({ state: TaskState.TASK_STATE_COMPLETED, cause: 'COMPLETED', stdout: Buffer.from('done'), outputIncluded: true }) } });
    const commands = session.commands(new AbortController().signal);
    assert.deepEqual((await commands.next()).value, { taskId, command: { $case: 'ack', ack: { leaseEpoch: 1, accepted: true } } });
    const result = resultOf(await events);
    assert.deepEqual([result.cause, result.attempt, result.stdout.toString()], ['COMPLETED', 1, 'done']);
  });

  it('a result the store cannot take (disk full) is not acknowledged and stays in memory; the sweep stores it when the store works again', async () => {
    const real = openTaskStore(IN_MEMORY);
    let full = false;
    const store: TaskStore = {
      ...real,
      finished(...args) {
        if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        return real.finished(...args);
      },
    };
    const b = startBroker(2, () => 0.5, store);
    const w1 = b.addWorker('w1');
    const { submitted, events } = b.submit();
    const { taskId } = submitted;
    assert.deepEqual(await commandsOf(w1), ['assign 1/1']);
    full = true;
    w1.complete(taskId, 1, { stdout: Buffer.from('done'), outputIncluded: true });
    assert.deepEqual(await commandsOf(w1), [], 'no ack: the worker keeps its result');
    assert.equal(b.broker.getTask(taskId)?.state, TaskState.TASK_STATE_RUNNING, 'kept in memory');
    assert.match(b.broker.storeProblem ?? '', /SQLITE_FULL: database or disk is full/);
    b.advance(1_000);
    w1.beat([{ taskId, leaseEpoch: 1 }], {}, []);
    b.broker.sweep();
    assert.deepEqual(await commandsOf(w1), [], 'still full');
    full = false;
    b.broker.sweep();
    assert.deepEqual(await commandsOf(w1), ['ack 1 true'], 'stored, then acknowledged');
    assert.equal(b.broker.storeProblem, undefined);
    assert.equal(resultOf(await events).stdout.toString(), 'done');
    assert.equal(b.broker.getTask(taskId)?.state, TaskState.TASK_STATE_COMPLETED);
  });
});
