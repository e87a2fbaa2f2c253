// What the broker's in-process tests share (task-broker.test.ts, task-broker-faults.test.ts): a
// fake clock, the task store in memory, workers as sessions of the broker itself (no sockets).
import assert from 'node:assert/strict';
import winston from 'winston';
import { OutputStream, Task, TaskResult, TaskState, type Lease, type OrchestratorMessage, type TaskEvent, type WorkerMessage } from '../gen/agent/v1/agent.js';
import { ANY_PLACEMENT } from '../placement/placement.js';
import { createTaskBroker, type SubmittedTask, type TaskBroker, type WorkerSession } from './task-broker.js';
import { IN_MEMORY, openTaskStore, type TaskStore } from './task-store.js';

export const WORKER_TIMEOUT_MS = 10_000;
export const job = Task.fromPartial({ toolType: 'job', params: { $case: 'custom', custom: { values: {} } } });

export interface TestWorker {
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

export interface TestBroker {
  readonly broker: TaskBroker;
  advance(ms: number): void;
  addWorker(name: string, options?: { slots?: number; maxReceiveMessageBytes?: number }): TestWorker;
  submit(task?: Task): { submitted: SubmittedTask; events: Promise<TaskEvent[]> };
}

let open: Array<{ broker: TaskBroker; store: TaskStore }> = [];
/** Shuts down every broker started since (afterEach). */
export function closeBrokers(): void {
  for (const { broker, store } of open) {
    broker.shutdown('test over');
    broker.close();
    store.close();
  }
  open = [];
}

export function startBroker(maxAttempts = 2, random: () => number = () => 0.5, store: TaskStore = openTaskStore(IN_MEMORY)): TestBroker {
  let t = 1_000_000;
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

export const output = (stream: OutputStream, text: string, offset?: number): WorkerMessage['event'] => ({
  $case: 'output',
  output: { stream, data: Buffer.from(text), ...(offset === undefined ? {} : { offset }) },
});
export const STDOUT = OutputStream.OUTPUT_STREAM_STDOUT;
export const STDERR = OutputStream.OUTPUT_STREAM_STDERR;

/** What a command is, in short: `assign 1/1` (epoch/attempt), `cancel 1 force`, `ack 1 true`. */
export function describeCommand(message: OrchestratorMessage): string {
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
export const commandsOf = async (worker: TestWorker): Promise<string[]> => (await worker.take()).map(describeCommand);

/** What a client saw, in short: `submitted w1`, `running`, `stdout abc`, `result COMPLETED`. */
export function describeEvent(event: TaskEvent): string {
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
export async function leasedToFirstOfTwo(b: TestBroker): Promise<{ w1: TestWorker; w2: TestWorker; taskId: string; events: Promise<TaskEvent[]> }> {
  const w1 = b.addWorker('w1');
  const w2 = b.addWorker('w2');
  const { submitted, events } = b.submit();
  assert.deepEqual(await commandsOf(w1), ['assign 1/1']);
  return { w1, w2, taskId: submitted.taskId, events };
}

export function resultOf(events: readonly TaskEvent[]): TaskResult {
  const last = events.at(-1)?.event;
  if (last?.$case !== 'result') throw new Error('no result');
  return last.result;
}
