// The broker in process: a fake clock, the task store in memory, workers as sessions of the
// broker itself (no sockets). The RPC tests (test/rpc) check the same over the wire.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import winston from 'winston';
import { CancelOutcome, OutputStream, Task, TaskResult, TaskState, type Lease, type OrchestratorMessage, type TaskEvent, type WorkerMessage } from '../gen/agent/v1/agent.js';
import { ANY_PLACEMENT } from '../placement/placement.js';
import { createTaskBroker, type SubmittedTask, type TaskBroker, type WorkerSession } from './task-broker.js';
import { IN_MEMORY, openTaskStore, type TaskStore } from './task-store.js';

const WORKER_TIMEOUT_MS = 10_000;
const job = Task.fromPartial({ toolType: 'job', params: { $case: 'custom', custom: { values: {} } } });

interface TestWorker {
  readonly agentId: string;
  /** Its resume token. */
  readonly token: string;
  readonly session: WorkerSession;
  /** Every command queued for it now (assign, cancel, ack), in order. */
  take(): Promise<OrchestratorMessage[]>;
  /** A message on its stream; leaseEpoch defaults to 1. */
  send(taskId: string, event: WorkerMessage['event'], leaseEpoch?: number): void;
  complete(taskId: string, leaseEpoch: number, result?: Partial<TaskResult>): void;
  /** A heartbeat naming `leases` (none by default: the worker is alive, its leases are not renewed); healthy unless `condition` says otherwise. */
  beat(leases?: ReadonlyArray<{ taskId: string; leaseEpoch: number }>, condition?: { healthy?: boolean; diskLow?: boolean }, activeTaskIds?: readonly string[]): Lease[];
}

interface TestBroker {
  readonly broker: TaskBroker;
  advance(ms: number): void;
  addWorker(name: string, options?: { slots?: number; maxReceiveMessageBytes?: number }): TestWorker;
  submit(task?: Task): { submitted: SubmittedTask; events: Promise<TaskEvent[]> };
}

let open: Array<{ broker: TaskBroker; store: TaskStore }> = [];
afterEach(() => {
  for (const { broker, store } of open) {
    broker.shutdown('test over');
    broker.close();
    store.close();
  }
  open = [];
});

function startBroker(maxAttempts = 2, random: () => number = () => 0.5): TestBroker {
  let t = 1_000_000;
  const store = openTaskStore(IN_MEMORY);
  const broker = createTaskBroker({
    logger: winston.createLogger({ silent: true }),
    store,
    workerTimeoutMs: WORKER_TIMEOUT_MS,
    maxAttempts,
    retention: { retentionMs: 60_000, maxEntries: 100, maxBytes: 1024 * 1024 },
    outputCapBytes: 1024,
    subscriberBufferBytes: 1024 * 1024,
    maxTaskBytes: 1024 * 1024,
    now: () => t,
    random,
  });
  open.push({ broker, store });
  return {
    broker,
    advance: (ms) => void (t += ms),
    addWorker(name, options = {}) {
      const registered = broker.registerWorker(
        {
          name,
          hostname: 'h',
          pid: 1,
          version: 'v',
          group: 'default',
          labels: {},
          capabilities: { toolTypes: ['job'], maxConcurrentTasks: options.slots ?? 1, runtimes: ['runc'] },
          bootId: `boot-${name}`,
          protocolVersion: 2,
          maxReceiveMessageBytes: options.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
        },
        { agentId: '', token: '' },
      );
      if (registered.kind !== 'registered') throw new Error(`${name} not registered`);
      const { agentId, resumeToken: token } = registered;
      const session = broker.openSession(agentId);
      assert.ok(session);
      const commands = session.commands(new AbortController().signal);
      const worker: TestWorker = {
        agentId,
        token,
        session,
        async take() {
          const taken: OrchestratorMessage[] = [];
          while (session.worker.commands.size > 0) {
            const next = await commands.next();
            if (next.done) break;
            taken.push(next.value);
          }
          return taken;
        },
        send(taskId, event, leaseEpoch = 1) {
          void session.receive({ taskId, leaseEpoch, event });
        },
        complete(taskId, leaseEpoch, result = {}) {
          const completed = TaskResult.fromPartial({ state: TaskState.TASK_STATE_COMPLETED, runtime: 'runc', ...result });
          worker.send(taskId, { $case: 'completed', completed }, leaseEpoch);
        },
        beat(leases = [], condition = {}, activeTaskIds = leases.map((l) => l.taskId)) {
          const reported = { draining: false, healthy: true, diskLow: false, healthDetail: '', ...condition };
          const answer = broker.heartbeat(agentId, { activeTaskIds, leases, condition: reported });
          assert.equal(answer.known, true);
          return answer.revoked;
        },
      };
      worker.beat();
      return worker;
    },
    submit(task = job) {
      const submitted = broker.submit(task, ANY_PLACEMENT);
      const events = (async () => {
        const seen: TaskEvent[] = [];
        for await (const event of submitted.events(new AbortController().signal)) seen.push(event);
        return seen;
      })();
      return { submitted, events };
    },
  };
}

const output = (stream: OutputStream, text: string, offset?: number): WorkerMessage['event'] => ({
  $case: 'output',
  output: { stream, data: Buffer.from(text), ...(offset === undefined ? {} : { offset }) },
});
const STDOUT = OutputStream.OUTPUT_STREAM_STDOUT;
const STDERR = OutputStream.OUTPUT_STREAM_STDERR;

/** What a command is, in short: `assign 1/1` (epoch/attempt), `cancel 1 force`, `ack 1 true`. */
function describeCommand(message: OrchestratorMessage): string {
  const c = message.command;
  switch (c?.$case) {
    case 'assign':
      return `assign ${c.assign.leaseEpoch}/${c.assign.attempt}`;
    case 'cancel':
      return `cancel ${c.cancel.leaseEpoch}${c.cancel.force ? ' force' : ''}`;
    case 'ack':
      return `ack ${c.ack.leaseEpoch} ${c.ack.accepted}`;
    default:
      return 'nothing';
  }
}
const commandsOf = async (worker: TestWorker): Promise<string[]> => (await worker.take()).map(describeCommand);

/** What a client saw, in short: `submitted w1`, `running`, `stdout abc`, `result COMPLETED`. */
function describeEvent(event: TaskEvent): string {
  const e = event.event;
  switch (e?.$case) {
    case 'submitted':
      return `submitted ${e.submitted.worker}`;
    case 'running':
      return 'running';
    case 'output':
      return `${e.output.stream === STDOUT ? 'stdout' : 'stderr'} ${e.output.data.toString()}`;
    case 'result':
      return `result ${e.result.cause}`;
    default:
      return 'nothing';
  }
}

/** Workers w1 and w2, and a task leased to w1 (epoch 1). */
async function leasedToFirstOfTwo(b: TestBroker): Promise<{ w1: TestWorker; w2: TestWorker; taskId: string; events: Promise<TaskEvent[]> }> {
  const w1 = b.addWorker('w1');
  const w2 = b.addWorker('w2');
  const { submitted, events } = b.submit();
  assert.deepEqual(await commandsOf(w1), ['assign 1/1']);
  return { w1, w2, taskId: submitted.taskId, events };
}

function resultOf(events: readonly TaskEvent[]): TaskResult {
  const last = events.at(-1)?.event;
  if (last?.$case !== 'result') throw new Error('no result');
  return last.result;
}

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
});
