/**
 * A worker scripted by a conformance test, and the real bin/orchestrator it talks to: a plain
 * nice-grpc AgentService client, as a third party would write one from the proto, that sends
 * exactly what the test tells it to and records every command the orchestrator sends. Clients
 * are plain TaskService clients on the same socket. Nothing of pkg/worker or pkg/orchestrator
 * is used: the orchestrator under test is the built executable (`npm run build`).
 */
import { EventEmitter, once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { ClientError, createChannel, createClient, Metadata, Status, type Channel } from 'nice-grpc';
import { createAsyncQueue } from '../../pkg/async/async-queue.js';
import {
  AgentServiceDefinition,
  CancelOutcome,
  OutputStream,
  TaskResult,
  TaskServiceDefinition,
  TaskState,
  type AgentServiceClient,
  type HeartbeatRequest,
  type OrchestratorMessage,
  type RegisterRequest,
  type RegisterResponse,
  type RunTaskRequest,
  type TaskEvent,
  type Task,
  type TaskServiceClient,
  type WorkerMessage,
} from '../../pkg/gen/agent/v1/agent.js';
import { startBin, waitUntil } from '../support/processes.js';

export const AGENT_TOKEN_HEADER = 'x-baaaht-agent-token';
export const WORKER_KEY_HEADER = 'x-baaaht-worker-key';
const MiB = 1024 * 1024;
/** How long a test waits for something the orchestrator should do soon: generous, never a measurement. */
export const SOON_MS = 15_000;

/** bin/orchestrator for the tests of one describe block, and its scripted workers (all closed after them). */
export interface OrchestratorFixture {
  /** A TaskService client (the socket's local admin: no client tokens are configured). */
  readonly tasks: TaskServiceClient;
  /** A new channel to it, taking large messages. */
  channel(): Channel;
  /** A scripted worker on a channel of its own, not registered yet. */
  worker(options: ScriptedWorkerOptions): ScriptedWorker;
  /** A scripted worker serving `toolTypes`, registered (with `register`'s fields) and with its task stream open. */
  connected(name: string, toolTypes: string[], register?: Partial<RegisterRequest>): Promise<{ w: ScriptedWorker; s: WorkerStream }>;
}

/** Call in a describe block: starts bin/orchestrator on a Unix socket in a temporary directory, with `args`, before its tests. */
export function useOrchestrator(args: readonly string[]): OrchestratorFixture {
  let started: { tasks: TaskServiceClient; channel(): Channel; stop(): Promise<void> } | undefined;
  const workers: ScriptedWorker[] = [];
  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baaaht-oconf-'));
    const address = `unix://${join(dir, 'orchestrator.sock')}`;
    const proc = startBin('orchestrator', ['--listen', address, '--data-dir', ':memory:', '--log-format', 'json', '--log-level', 'debug', ...args]);
    const channels: Channel[] = [];
    const channel = (): Channel => {
      const c = createChannel(address, undefined, { 'grpc.max_receive_message_length': 64 * MiB, 'grpc.max_send_message_length': 64 * MiB });
      channels.push(c);
      return c;
    };
    const tasks = createClient(TaskServiceDefinition, channel());
    const stop = async (): Promise<void> => {
      await proc.stop('SIGTERM');
      for (const c of channels) c.close();
      await rm(dir, { recursive: true, force: true });
    };
    started = { tasks, channel, stop };
    await waitUntil(() => {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`bin/orchestrator exited at start: ${JSON.stringify(proc.output())}`);
      return tasks.listWorkers({}).then(() => true, () => false);
    }, 30_000, 'bin/orchestrator answering');
  });
  after(async () => {
    for (const w of workers) w.close();
    await started?.stop();
  });
  const get = (): NonNullable<typeof started> => {
    if (!started) throw new Error('the orchestrator did not start');
    return started;
  };
  const fixture: OrchestratorFixture = {
    get tasks() {
      return get().tasks;
    },
    channel: () => get().channel(),
    worker(options) {
      const w = createScriptedWorker(get().channel(), options);
      workers.push(w);
      return w;
    },
    async connected(name, toolTypes, register = {}) {
      const w = fixture.worker({ name, toolTypes });
      await w.register(register);
      return { w, s: w.open() };
    },
  };
  return fixture;
}

/** The first value `check` returns that is not undefined/false (polled); fails after `timeoutMs`. */
export const eventually = <T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = SOON_MS): Promise<T> =>
  waitUntil(check, timeoutMs, what);

/** `promise`, or a failure naming `what` when it does not settle within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = SOON_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The gRPC status a call failed with (fails the test when it did not fail with one). */
export async function statusOf(call: Promise<unknown>): Promise<Status> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ClientError) return error.code;
    throw error;
  }
  throw new Error('the call succeeded; a refusal was expected');
}

/** Reads a server stream to its end (to see the status it ends with). */
export async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

type CommandCase = NonNullable<OrchestratorMessage['command']>['$case'];
export type Command<K extends CommandCase> = OrchestratorMessage & { command: Extract<OrchestratorMessage['command'], { $case: K }> };

export interface WorkerStream {
  /** Every command the orchestrator sent on this stream, in order. */
  readonly received: OrchestratorMessage[];
  send(message: WorkerMessage): void;
  /**
   * The first command of `kind` (about `taskId`, when given) that no earlier take() returned;
   * waits for it. Fails when the stream ends first or after `timeoutMs`.
   */
  take<K extends CommandCase>(kind: K, taskId?: string, timeoutMs?: number): Promise<Command<K>>;
  /** Half-closes the stream. */
  end(): void;
  /** How the call ended: 'ok', or its error (a ClientError carries the status). */
  readonly ended: Promise<'ok' | Error>;
}

/** The status a task stream was refused with (fails the test when it ended OK or did not end). */
export async function streamStatus(stream: WorkerStream): Promise<Status> {
  const end = await within(stream.ended, 'the refused stream ended');
  if (end instanceof ClientError) return end.code;
  throw new Error(`the stream ended with ${String(end)}; a refusal was expected`);
}

export function openTaskStream(client: AgentServiceClient, first: WorkerMessage | undefined, metadata: Metadata): WorkerStream {
  const outbound = createAsyncQueue<WorkerMessage>();
  if (first) outbound.push(first);
  const received: OrchestratorMessage[] = [];
  const taken = new Set<OrchestratorMessage>();
  const changes = new EventEmitter();
  let done = false;
  const ended = (async (): Promise<'ok' | Error> => {
    try {
      for await (const message of client.taskStream(outbound.consume(), { metadata })) {
        received.push(message);
        changes.emit('change');
      }
      return 'ok';
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    } finally {
      done = true;
      outbound.end();
      changes.emit('change');
    }
  })();
  const take = async <K extends CommandCase>(kind: K, taskId?: string, timeoutMs = SOON_MS): Promise<Command<K>> => {
    const what = `${kind}${taskId === undefined ? '' : ` of ${taskId}`}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = received.find((m): m is Command<K> => !taken.has(m) && m.command?.$case === kind && (taskId === undefined || m.taskId === taskId));
      if (found) {
        taken.add(found);
        return found;
      }
      const seen = JSON.stringify(received.map((m) => [m.command?.$case, m.taskId]));
      if (done) throw new Error(`the stream ended (${String(await ended)}) before ${what} came; it got ${seen}`);
      if (Date.now() >= deadline) throw new Error(`no ${what} within ${timeoutMs} ms; the stream got ${seen}`);
      await once(changes, 'change', { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) }).catch(() => undefined);
    }
  };
  return { received, send: (message) => outbound.push(message), take, end: () => outbound.end(), ended };
}

export interface ScriptedWorkerOptions {
  readonly name: string;
  readonly toolTypes?: readonly string[];
  readonly group?: string;
  /** Sent as x-baaaht-worker-key on every call. */
  readonly workerKey?: string;
}

export interface ScriptedWorker {
  readonly name: string;
  /** A plain client: it adds no metadata of its own. */
  readonly client: AgentServiceClient;
  readonly agentId: string;
  readonly token: string;
  /** The metadata of a call about its agent id: its token and, when it has one, the worker key. */
  metadata(): Metadata;
  /** Registers (version 2, 4 MiB receive limit, unless overridden) and keeps the agent id and token. */
  register(overrides?: Partial<RegisterRequest>): Promise<RegisterResponse>;
  heartbeat(overrides?: Partial<HeartbeatRequest>): Promise<boolean>;
  /** Heartbeats every `intervalMs` until stopHeartbeats(); `request` gives each one's fields. */
  startHeartbeats(intervalMs: number, request?: () => Partial<HeartbeatRequest>): void;
  stopHeartbeats(): void;
  unregister(reason?: string): Promise<void>;
  /** Opens a task stream with its token and says hello as its agent id. */
  open(): WorkerStream;
  /** Stops heartbeats and half-closes the streams it opened. */
  close(): void;
}

export function createScriptedWorker(channel: Channel, options: ScriptedWorkerOptions): ScriptedWorker {
  const client = createClient(AgentServiceDefinition, channel);
  let registered: RegisterResponse | undefined;
  let timer: NodeJS.Timeout | undefined;
  const streams: WorkerStream[] = [];
  const keyOnly = (): Record<string, string> => (options.workerKey === undefined ? {} : { [WORKER_KEY_HEADER]: options.workerKey });
  const metadata = (): Metadata => Metadata({ ...keyOnly(), ...(registered ? { [AGENT_TOKEN_HEADER]: registered.resumeToken } : {}) });
  const agentId = (): string => registered?.agentId ?? '';
  const me: ScriptedWorker = {
    name: options.name,
    client,
    get agentId() {
      return agentId();
    },
    get token() {
      return registered?.resumeToken ?? '';
    },
    metadata,
    async register(overrides = {}) {
      const response = await client.register(
        {
          name: options.name,
          hostname: 'conformance-host',
          pid: process.pid,
          version: 'conformance',
          labels: {},
          capabilities: { toolTypes: [...(options.toolTypes ?? ['conf_echo'])], maxConcurrentTasks: 4, runtimes: ['runc'] },
          agentId: '',
          bootId: `boot-${options.name}`,
          group: options.group ?? '',
          resumeToken: '',
          protocolVersion: 2,
          maxReceiveMessageBytes: 4 * MiB,
          ...overrides,
        },
        { metadata: Metadata(keyOnly()) },
      );
      registered = response;
      return response;
    },
    async heartbeat(overrides = {}) {
      const response = await client.heartbeat(
        { agentId: agentId(), activeTaskIds: [], timestampMs: Date.now(), draining: false, healthy: true, healthDetail: '', leases: [], ...overrides },
        { metadata: metadata() },
      );
      return response.known;
    },
    startHeartbeats(intervalMs, request = () => ({})) {
      clearInterval(timer);
      timer = setInterval(() => void me.heartbeat(request()).catch(() => undefined), intervalMs);
      void me.heartbeat(request()).catch(() => undefined);
    },
    stopHeartbeats() {
      clearInterval(timer);
      timer = undefined;
    },
    async unregister(reason = 'conformance test') {
      await client.unregister({ agentId: agentId(), reason }, { metadata: metadata() });
    },
    open() {
      const stream = openTaskStream(client, hello(agentId()), metadata());
      streams.push(stream);
      return stream;
    },
    close() {
      me.stopHeartbeats();
      for (const s of streams) s.end();
    },
  };
  return me;
}

export function hello(agentId: string): WorkerMessage {
  return { taskId: '', leaseEpoch: 0, event: { $case: 'hello', hello: { agentId } } };
}

export function accepted(taskId: string, leaseEpoch: number): WorkerMessage {
  return { taskId, leaseEpoch, event: { $case: 'accepted', accepted: { queuePosition: 0 } } };
}

export function running(taskId: string, leaseEpoch: number, containerId = 'c0ffee'): WorkerMessage {
  return { taskId, leaseEpoch, event: { $case: 'running', running: { containerId, runtime: 'runc', profile: 'conformance' } } };
}

export function output(taskId: string, leaseEpoch: number, data: string, offset: number | undefined, stream: 'stdout' | 'stderr' = 'stdout'): WorkerMessage {
  const wire = stream === 'stdout' ? OutputStream.OUTPUT_STREAM_STDOUT : OutputStream.OUTPUT_STREAM_STDERR;
  return { taskId, leaseEpoch, event: { $case: 'output', output: { stream: wire, data: Buffer.from(data), ...(offset === undefined ? {} : { offset }) } } };
}

export function completed(taskId: string, leaseEpoch: number, result: Partial<TaskResult> = {}): WorkerMessage {
  return {
    taskId,
    leaseEpoch,
    event: { $case: 'completed', completed: TaskResult.fromPartial({ state: TaskState.TASK_STATE_COMPLETED, cause: 'COMPLETED', runtime: 'runc', ...result }) },
  };
}

/** A result that may succeed when run again (the worker's engine did not answer). */
export function retryableFailure(taskId: string, leaseEpoch: number): WorkerMessage {
  return completed(taskId, leaseEpoch, {
    state: TaskState.TASK_STATE_FAILED,
    // Not ENGINE_UNAVAILABLE: that one keeps the worker from new tasks until a heartbeat says healthy.
    cause: 'CONTAINER_FAILED',
    retryable: true,
    exitCode: -1,
    error: { code: 'CONTAINER_FAILED', message: 'scripted: the engine could not start the container' },
  });
}

export function cancelReply(taskId: string, leaseEpoch: number, outcome: CancelOutcome): WorkerMessage {
  return { taskId, leaseEpoch, event: { $case: 'cancelReply', cancelReply: { outcome } } };
}

/** A RunTask call followed by a client: its events as they come, and its result. */
export interface FollowedRun {
  readonly events: TaskEvent[];
  /** The task id (from the first event). */
  readonly taskId: Promise<string>;
  /** The result event's result; fails when the call ends without one. */
  readonly result: Promise<TaskResult>;
  /** The stdout (or stderr) the client received, chunk after chunk. */
  received(stream: 'stdout' | 'stderr'): string;
}

export function follow(tasks: TaskServiceClient, request: Partial<RunTaskRequest>): FollowedRun {
  const events: TaskEvent[] = [];
  let gotId: (id: string) => void = () => undefined;
  let noId: (error: Error) => void = () => undefined;
  const taskId = new Promise<string>((resolve, reject) => {
    gotId = resolve;
    noId = reject;
  });
  const result = (async (): Promise<TaskResult> => {
    try {
      for await (const event of tasks.runTask({ worker: '', group: '', labels: {}, ...request })) {
        events.push(event);
        gotId(event.taskId);
        if (event.event?.$case === 'result') return event.event.result;
      }
      throw new Error(`RunTask ended without a result: ${JSON.stringify(events)}`);
    } catch (error) {
      noId(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  })();
  taskId.catch(() => undefined);
  result.catch(() => undefined);
  const received = (stream: 'stdout' | 'stderr'): string => {
    const wire = stream === 'stdout' ? OutputStream.OUTPUT_STREAM_STDOUT : OutputStream.OUTPUT_STREAM_STDERR;
    return events.map((e) => (e.event?.$case === 'output' && e.event.output.stream === wire ? e.event.output.data.toString() : '')).join('');
  };
  return { events, taskId, result, received };
}

/** A task of a tool the scripted workers serve (custom params). */
export function toolTask(values: Record<string, string> = {}, toolType = 'conf_echo'): { task: Task } {
  return { task: { toolType, mountSource: '', writable: false, timeoutMs: 0, sessionId: '', params: { $case: 'custom', custom: { values } } } };
}
