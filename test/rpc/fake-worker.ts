/**
 * A fake worker for RPC tests: a real nice-grpc AgentService client that registers, opens the
 * TaskStream and answers assignments — by hand (`nextCommand`, `send`, `run`) or with a script.
 */
import { createClient, type Channel } from 'nice-grpc';
import {
  AgentServiceDefinition,
  OutputStream,
  TaskResult,
  TaskState,
  type AgentServiceClient,
  type OrchestratorMessage,
  type Task,
  type WorkerMessage,
} from '../../pkg/gen/agent/v1/agent.js';
import { createAsyncQueue, type AsyncQueue } from '../../pkg/async/async-queue.js';

export interface ScriptedRun {
  readonly stdout?: readonly string[];
  readonly stderr?: readonly string[];
  readonly state?: TaskState;
  readonly exitCode?: number;
  readonly error?: { code: string; message: string };
  readonly durationMs?: number;
  /** Wait for a cancel command before answering (then the state is CANCELLED). */
  readonly waitForCancel?: boolean;
}

export interface FakeWorkerOptions {
  readonly name: string;
  readonly toolTypes: readonly string[];
  readonly maxConcurrentTasks?: number;
  /** Answer every assignment automatically. */
  readonly script?: (task: Task) => ScriptedRun;
}

export interface FakeWorker {
  readonly client: AgentServiceClient;
  readonly agentId: string;
  register(): Promise<string>;
  /** Opens (or re-opens, replacing) the TaskStream and says hello. */
  connect(): Promise<void>;
  /** The next command from the orchestrator (fails after timeoutMs). */
  nextCommand(timeoutMs?: number): Promise<OrchestratorMessage>;
  /** Commands received so far and not taken by nextCommand. */
  pendingCommands(): OrchestratorMessage[];
  send(message: WorkerMessage): void;
  /** accepted, running, output chunks, completed — as a real worker reports a task. */
  run(taskId: string, run: ScriptedRun): void;
  /** Aborts the TaskStream call (as a crashed worker would). */
  drop(): Promise<void>;
  /** Half-closes the TaskStream normally. */
  endStream(): Promise<void>;
  /** How the last TaskStream call ended: 'ok', or the error. */
  streamEnd(): Promise<'ok' | Error>;
}

export function createFakeWorker(channel: Channel, options: FakeWorkerOptions): FakeWorker {
  const client = createClient(AgentServiceDefinition, channel);
  let agentId = '';
  const inbox: OrchestratorMessage[] = [];
  let wakeInbox: (() => void) | undefined;
  let outbound: AsyncQueue<WorkerMessage> | undefined;
  let call: AbortController | undefined;
  let ended: Promise<'ok' | Error> = Promise.resolve('ok');
  const waitingForCancel = new Map<string, ScriptedRun>();

  const send = (message: WorkerMessage): void => {
    if (!outbound) throw new Error('not connected');
    outbound.push(message);
  };

  const run = (taskId: string, script: ScriptedRun): void => {
    send({ taskId, event: { $case: 'accepted', accepted: { queuePosition: 0 } } });
    send({ taskId, event: { $case: 'running', running: { containerId: `c-${taskId.slice(0, 8)}`, runtime: 'runc' } } });
    if (script.waitForCancel) {
      waitingForCancel.set(taskId, script);
      return;
    }
    finishRun(taskId, script);
  };

  const finishRun = (taskId: string, script: ScriptedRun): void => {
    for (const text of script.stdout ?? []) {
      send({ taskId, event: { $case: 'output', output: { stream: OutputStream.OUTPUT_STREAM_STDOUT, data: Buffer.from(text) } } });
    }
    for (const text of script.stderr ?? []) {
      send({ taskId, event: { $case: 'output', output: { stream: OutputStream.OUTPUT_STREAM_STDERR, data: Buffer.from(text) } } });
    }
    send({
      taskId,
      event: {
        $case: 'completed',
        completed: TaskResult.fromPartial({
          state: script.state ?? TaskState.TASK_STATE_COMPLETED,
          exitCode: script.exitCode ?? 0,
          durationMs: script.durationMs ?? 7,
          error: script.error,
          runtime: 'runc',
        }),
      },
    });
  };

  const onCommand = (message: OrchestratorMessage): void => {
    const command = message.command;
    if (options.script && command?.$case === 'assign') {
      run(message.taskId, options.script(command.assign.task!));
    }
    if (command?.$case === 'cancel') {
      const script = waitingForCancel.get(message.taskId);
      if (script) {
        waitingForCancel.delete(message.taskId);
        finishRun(message.taskId, {
          ...script,
          state: TaskState.TASK_STATE_CANCELLED,
          exitCode: 137,
          error: { code: 'CANCELLED', message: command.cancel.reason },
        });
      }
    }
    inbox.push(message);
    wakeInbox?.();
  };

  return {
    client,
    get agentId() {
      return agentId;
    },
    async register() {
      const response = await client.register({
        name: options.name,
        hostname: 'test-host',
        pid: process.pid,
        version: '0.0.0-test',
        labels: { test: 'yes' },
        capabilities: {
          toolTypes: [...options.toolTypes],
          maxConcurrentTasks: options.maxConcurrentTasks ?? 2,
          runtimes: ['runc'],
        },
      });
      agentId = response.agentId;
      return agentId;
    },
    async connect() {
      const queue = createAsyncQueue<WorkerMessage>();
      const controller = new AbortController();
      outbound = queue;
      call = controller;
      queue.push({ taskId: '', event: { $case: 'hello', hello: { agentId } } });
      const responses = client.taskStream(queue.consume(), { signal: controller.signal });
      let connected!: () => void;
      const opened = new Promise<void>((resolve) => (connected = resolve));
      ended = (async () => {
        try {
          const iterator = responses[Symbol.asyncIterator]();
          connected(); // the call is started; the orchestrator has our hello once it answers
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) onCommand(next.value);
          return 'ok' as const;
        } catch (error) {
          return error as Error;
        } finally {
          queue.end();
        }
      })();
      await opened;
    },
    async nextCommand(timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (inbox.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${options.name}: no command within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 50));
          wakeInbox = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeInbox = undefined;
      }
      return inbox.shift()!;
    },
    pendingCommands() {
      return [...inbox];
    },
    send,
    run,
    async drop() {
      call?.abort();
      await ended;
    },
    async endStream() {
      outbound?.end();
      await ended;
    },
    streamEnd() {
      return ended;
    },
  };
}
