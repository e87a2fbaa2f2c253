/**
 * A fake worker for RPC tests: a real nice-grpc AgentService client that registers, opens the
 * TaskStream and answers assignments — by hand (`nextCommand`, `send`, `run`) or with a script.
 * It echoes lease epochs as a real worker does, keeps the leases it was given until their result
 * is acknowledged, and heartbeats them when asked. Like a real worker it keeps the resume token
 * Register returns for each agent id it is given, sends it when it resumes that id, and on every
 * call about that id (its client's Heartbeat, Unregister and TaskStream carry it as metadata).
 */
import { createClientFactory, Metadata, type Channel, type ClientMiddleware } from 'nice-grpc';
import { AGENT_TOKEN_METADATA } from '../../pkg/rpc/agent-token.js';
import { WORKER_KEY_METADATA } from '../../pkg/rpc/worker-key.js';
import {
  AgentServiceDefinition,
  OutputStream,
  TaskResult,
  TaskState,
  type AgentServiceClient,
  type HeartbeatRequest,
  type OrchestratorMessage,
  type RegisterRequest,
  type ResultAck,
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
  readonly cause?: string;
  readonly retryable?: boolean;
  /** Wait for a cancel command before answering (then the state is CANCELLED). */
  readonly waitForCancel?: boolean;
}

export interface FakeWorkerOptions {
  readonly name: string;
  readonly toolTypes: readonly string[];
  readonly maxConcurrentTasks?: number;
  /** Answer every assignment automatically. */
  readonly script?: (task: Task) => ScriptedRun;
  /** Sent as x-baaaht-worker-key on every call (per-group keys: the key of its group). */
  readonly workerKey?: string;
}

/** A worker message; leaseEpoch defaults to the lease the fake worker holds for the task. */
export type FakeMessage = Omit<WorkerMessage, 'leaseEpoch'> & { leaseEpoch?: number };

export interface FakeWorker {
  /** Adds the resume token of the agent id a call names (if this fake worker was given it). */
  readonly client: AgentServiceClient;
  readonly agentId: string;
  /** The resume token of agentId ('' before Register). */
  readonly resumeToken: string;
  /** What the last Register answered. */
  readonly resumed: boolean;
  /** Registers (resuming `request.agentId` when given). */
  register(request?: Partial<RegisterRequest>): Promise<string>;
  /** Opens (or re-opens, replacing) the TaskStream and says hello (as `asAgentId`, default its own, with the token it has for it). */
  connect(asAgentId?: string): Promise<void>;
  /** Talks to the orchestrator over another channel from now on (e.g. after it restarted). */
  moveTo(channel: Channel): void;
  /** The next assign or cancel from the orchestrator (fails after timeoutMs). */
  nextCommand(timeoutMs?: number): Promise<OrchestratorMessage>;
  /** Assigns and cancels received so far and not taken by nextCommand. */
  pendingCommands(): OrchestratorMessage[];
  /** The next result ack (fails after timeoutMs). */
  nextAck(timeoutMs?: number): Promise<ResultAck & { taskId: string }>;
  send(message: FakeMessage): void;
  /** accepted, running, output chunks, completed — as a real worker reports a task. */
  run(taskId: string, run: ScriptedRun): void;
  /** Just the completed message (default: COMPLETED, exit 0). */
  complete(taskId: string, result?: Partial<TaskResult>, leaseEpoch?: number): void;
  /** Leases held: from assignments, until their result is acknowledged. */
  leases(): Map<string, number>;
  /** One heartbeat: the held leases, healthy, not draining, unless overridden. */
  heartbeat(request?: Partial<HeartbeatRequest>): Promise<boolean>;
  /** Heartbeats every intervalMs (with the same overrides) until stopHeartbeats(). */
  startHeartbeats(intervalMs: number, request?: Partial<HeartbeatRequest>): void;
  stopHeartbeats(): void;
  /** Aborts the TaskStream call (as a crashed worker would). */
  drop(): Promise<void>;
  /** Half-closes the TaskStream normally. */
  endStream(): Promise<void>;
  /** How the last TaskStream call ended: 'ok', or the error. */
  streamEnd(): Promise<'ok' | Error>;
}

async function waitForItem<T>(items: T[], wake: { fn?: () => void }, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (items.length === 0) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(left, 50));
      wake.fn = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake.fn = undefined;
  }
  return items.shift()!;
}

/**
 * A client that remembers the resume token of every agent id Register returns, and adds it to a
 * unary call whose request names that agent id (unless the call sets it itself); and the worker
 * key, when there is one, to every call.
 */
function createTokenClient(channel: Channel, tokens: Map<string, string>, workerKey: string | undefined): AgentServiceClient {
  const middleware: ClientMiddleware = async function* tokenMiddleware(call, callOptions) {
    const metadata = Metadata(callOptions.metadata);
    const request: unknown = call.requestStream ? undefined : call.request;
    const named = typeof request === 'object' && request !== null && 'agentId' in request ? request.agentId : undefined;
    const token = typeof named === 'string' ? tokens.get(named) : undefined;
    if (token !== undefined && !metadata.has(AGENT_TOKEN_METADATA)) metadata.set(AGENT_TOKEN_METADATA, token);
    if (workerKey !== undefined && !metadata.has(WORKER_KEY_METADATA)) metadata.set(WORKER_KEY_METADATA, workerKey);
    const response = yield* call.next(call.request, { ...callOptions, metadata });
    const fields: unknown = response;
    if (call.method.path.endsWith('/Register') && typeof fields === 'object' && fields !== null && 'resumeToken' in fields && 'agentId' in fields) {
      const { agentId, resumeToken } = fields;
      if (typeof agentId === 'string' && typeof resumeToken === 'string' && resumeToken !== '') tokens.set(agentId, resumeToken);
    }
    return response;
  };
  return createClientFactory().use(middleware).create(AgentServiceDefinition, channel);
}

export function createFakeWorker(channel: Channel, options: FakeWorkerOptions): FakeWorker {
  /** Resume tokens by agent id, of every registration through this fake worker's client. */
  const tokens = new Map<string, string>();
  let client = createTokenClient(channel, tokens, options.workerKey);
  let agentId = '';
  let resumed = false;
  const inbox: OrchestratorMessage[] = [];
  const inboxWake: { fn?: () => void } = {};
  const acks: Array<ResultAck & { taskId: string }> = [];
  const ackWake: { fn?: () => void } = {};
  const leases = new Map<string, number>();
  let outbound: AsyncQueue<WorkerMessage> | undefined;
  let call: AbortController | undefined;
  let ended: Promise<'ok' | Error> = Promise.resolve('ok');
  let heartbeats: NodeJS.Timeout | undefined;
  const waitingForCancel = new Map<string, ScriptedRun>();

  const send = (message: FakeMessage): void => {
    if (!outbound) throw new Error('not connected');
    outbound.push({ ...message, leaseEpoch: message.leaseEpoch ?? leases.get(message.taskId) ?? 0 });
  };

  const complete = (taskId: string, result: Partial<TaskResult> = {}, leaseEpoch?: number): void => {
    send({
      taskId,
      ...(leaseEpoch === undefined ? {} : { leaseEpoch }),
      event: { $case: 'completed', completed: TaskResult.fromPartial({ state: TaskState.TASK_STATE_COMPLETED, runtime: 'runc', ...result }) },
    });
  };

  const run = (taskId: string, script: ScriptedRun): void => {
    send({ taskId, event: { $case: 'accepted', accepted: { queuePosition: 0 } } });
    send({ taskId, event: { $case: 'running', running: { containerId: `c-${taskId.slice(0, 8)}`, runtime: 'runc', profile: 'baaaht/v1' } } });
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
    complete(taskId, {
      state: script.state ?? TaskState.TASK_STATE_COMPLETED,
      exitCode: script.exitCode ?? 0,
      durationMs: script.durationMs ?? 7,
      error: script.error,
      cause: script.cause ?? '',
      retryable: script.retryable ?? false,
    });
  };

  const onCommand = (message: OrchestratorMessage): void => {
    const command = message.command;
    if (command?.$case === 'ack') {
      if (leases.get(message.taskId) === command.ack.leaseEpoch) leases.delete(message.taskId);
      acks.push({ taskId: message.taskId, ...command.ack });
      ackWake.fn?.();
      return;
    }
    if (command?.$case === 'assign') {
      leases.set(message.taskId, command.assign.leaseEpoch);
      if (options.script) run(message.taskId, options.script(command.assign.task!));
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
    inboxWake.fn?.();
  };

  const heartbeat = async (request: Partial<HeartbeatRequest> = {}): Promise<boolean> => {
    const { known } = await client.heartbeat({
      agentId,
      activeTaskIds: [...leases.keys()],
      timestampMs: Date.now(),
      healthy: true,
      leases: [...leases].map(([taskId, leaseEpoch]) => ({ taskId, leaseEpoch })),
      ...request,
    });
    return known;
  };

  return {
    get client() {
      return client;
    },
    get agentId() {
      return agentId;
    },
    get resumeToken() {
      return tokens.get(agentId) ?? '';
    },
    get resumed() {
      return resumed;
    },
    async register(request = {}) {
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
        bootId: `boot-${options.name}`,
        agentId: '',
        resumeToken: tokens.get(request.agentId ?? '') ?? '',
        ...request,
      });
      agentId = response.agentId;
      resumed = response.resumed;
      return agentId;
    },
    async connect(asAgentId = agentId) {
      const queue = createAsyncQueue<WorkerMessage>();
      const controller = new AbortController();
      outbound = queue;
      call = controller;
      queue.push({ taskId: '', leaseEpoch: 0, event: { $case: 'hello', hello: { agentId: asAgentId } } });
      const token = tokens.get(asAgentId);
      const metadata = Metadata(token === undefined ? {} : { [AGENT_TOKEN_METADATA]: token });
      const responses = client.taskStream(queue.consume(), { signal: controller.signal, metadata });
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
    moveTo(next) {
      client = createTokenClient(next, tokens, options.workerKey);
    },
    nextCommand(timeoutMs = 2000) {
      return waitForItem(inbox, inboxWake, timeoutMs, `${options.name}: command`);
    },
    pendingCommands() {
      return [...inbox];
    },
    nextAck(timeoutMs = 2000) {
      return waitForItem(acks, ackWake, timeoutMs, `${options.name}: ack`);
    },
    send,
    run,
    complete,
    leases() {
      return new Map(leases);
    },
    heartbeat,
    startHeartbeats(intervalMs, request = {}) {
      clearInterval(heartbeats);
      heartbeats = setInterval(() => void heartbeat(request).catch(() => undefined), intervalMs);
      heartbeats.unref();
    },
    stopHeartbeats() {
      clearInterval(heartbeats);
      heartbeats = undefined;
    },
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
