/** Starts the real orchestrator on a temporary Unix socket for RPC tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { createClient, createServer, ServerError, Status, type Channel } from 'nice-grpc';
import { createAsyncQueue } from '../../pkg/async/async-queue.js';
import type { OrchestratorConfig } from '../../pkg/config/orchestrator-config.js';
import {
  AgentServiceDefinition,
  HeartbeatResponse,
  RegisterResponse,
  TaskResult,
  TaskServiceDefinition,
  TaskState,
  type HeartbeatRequest,
  type OrchestratorMessage,
  type Task,
  type RegisterRequest,
  type TaskEvent,
  type TaskServiceClient,
  type WorkerMessage,
} from '../../pkg/gen/agent/v1/agent.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from '../../pkg/orchestrator/index.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import type { WorkerConfig } from '../../pkg/config/worker-config.js';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { ResultSpool, WorkerAgent, type RunOutcome, type TaskExecutor, type TaskProgress } from '../../pkg/worker/index.js';

export const MiB = 1024 * 1024;

export function silentLogger(): winston.Logger {
  return winston.createLogger({ silent: true });
}

/**
 * A real WorkerAgent (the link under test) over an executor the test provides, serving
 * file_read under runc, its results spooled in `<dir>/results`. Not started.
 */
export function testWorkerAgent(config: WorkerConfig, executor: TaskExecutor, dir: string): WorkerAgent {
  return new WorkerAgent({
    config,
    executor,
    spool: new ResultSpool(join(dir, 'results'), 1024 * 1024),
    toolTypes: ['file_read'],
    runtimes: ['runc'],
    logger: silentLogger(),
    version: 't',
    hostname: 'h',
    bootId: 'boot',
  });
}

export interface Harness {
  /** The orchestrator running now (a new one after restart()). */
  readonly orchestrator: Orchestrator;
  readonly dir: string;
  readonly socketPath: string;
  readonly address: string;
  /** A TaskService client of the orchestrator running now. */
  readonly tasks: TaskServiceClient;
  /** A new channel to the orchestrator (closed by close()). */
  channel(): Channel;
  /**
   * Closes the orchestrator and starts a new one with the same config (and data directory) on
   * the same socket, with `options` for the new one; `tasks` then talks to the new one.
   */
  restart(options?: OrchestratorOptions): Promise<void>;
  close(): Promise<void>;
}

export async function tempSocketDir(): Promise<string> {
  return mkdtemp('/tmp/bo-');
}

export function testConfig(listen: string, overrides: Partial<OrchestratorConfig> = {}): OrchestratorConfig {
  return {
    listen,
    socketMode: 0o600,
    maxRecvMsgSize: 4 * MiB,
    maxSendMsgSize: 4 * MiB,
    resultRetentionMs: 60_000,
    maxRetainedResults: 100,
    workerTimeoutMs: 10_000,
    maxAttempts: 3,
    dataDir: ':memory:',
    log: { level: 'error', format: 'text', output: 'stderr' },
    ...overrides,
  };
}

export async function startOrchestrator(
  overrides: Partial<OrchestratorConfig> = {},
  options: OrchestratorOptions = {},
): Promise<Harness> {
  const dir = await tempSocketDir();
  const socketPath = join(dir, 'o.sock');
  const config = testConfig(`unix://${socketPath}`, overrides);
  const start = async (startOptions: OrchestratorOptions): Promise<Orchestrator> => {
    const o = createOrchestrator(config, silentLogger(), { closeGraceMs: 1000, ...startOptions });
    await o.listen();
    return o;
  };
  let orchestrator = await start(options);
  const address = orchestrator.address;
  const channels: Channel[] = [];
  const channel = (): Channel => {
    const c = createGrpcChannel(address, { maxRecvMsgSize: 64 * MiB, maxSendMsgSize: 64 * MiB });
    channels.push(c);
    return c;
  };
  let tasks = createClient(TaskServiceDefinition, channel());
  return {
    get orchestrator() {
      return orchestrator;
    },
    dir,
    socketPath,
    address,
    get tasks() {
      return tasks;
    },
    channel,
    async restart(restartOptions = options) {
      await orchestrator.close();
      orchestrator = await start(restartOptions);
      tasks = createClient(TaskServiceDefinition, channel());
    },
    async close() {
      await orchestrator.close();
      for (const c of channels) c.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Collected {
  readonly taskId: string;
  readonly events: TaskEvent[];
  readonly result: TaskResult;
  readonly stdout: string;
  readonly stderr: string;
}

/** Reads a RunTask stream to its end. */
export async function collect(stream: AsyncIterable<TaskEvent>): Promise<Collected> {
  const events: TaskEvent[] = [];
  let stdout = '';
  let stderr = '';
  for await (const event of stream) {
    events.push(event);
    if (event.event?.$case === 'output') {
      if (event.event.output.stream === 1) stdout += event.event.output.data.toString();
      else stderr += event.event.output.data.toString();
    }
  }
  const last = events.at(-1);
  if (last?.event?.$case !== 'result') throw new Error(`the stream ended without a result: ${JSON.stringify(events)}`);
  return { taskId: last.taskId, events, result: last.event.result, stdout, stderr };
}

/** Polls until `check` returns a value other than undefined/false. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One task stream a worker opened to a scripted orchestrator. */
export interface ScriptedStream {
  /** 1 for the first stream of the orchestrator, 2 for the next, ... */
  readonly number: number;
  /** What the worker sent on this stream so far, `hello` first. */
  readonly received: WorkerMessage[];
  send(message: OrchestratorMessage): void;
  /** Ends the stream (status OK); a later fail() is ignored. */
  end(): void;
  /** Ends the stream with an error status (Status.UNAVAILABLE unless said). */
  fail(details: string, code?: Status): void;
}

export interface ScriptedOrchestratorOptions {
  /** The RegisterResponse (agent id, token and interval have defaults) for the `count`th registration (1-based). */
  readonly register?: (request: RegisterRequest, count: number) => Partial<RegisterResponse>;
  /** A stream opened (after its hello arrived). */
  readonly onStream?: (stream: ScriptedStream) => void;
  /** Every message after the hello, as it arrives. */
  readonly onMessage?: (message: WorkerMessage, stream: ScriptedStream) => void;
  /** The largest message the server takes (gRPC's 4 MiB unless set). */
  readonly maxReceiveMessageBytes?: number;
  /** What each Heartbeat answers ({ known: true } unless given), e.g. leases it revokes. */
  readonly heartbeat?: (request: HeartbeatRequest) => Partial<HeartbeatResponse>;
}

/**
 * An orchestrator written in the test, as a third party's would be: a plain nice-grpc
 * AgentService on a temporary Unix socket whose every answer the test decides. It records every
 * registration and every message; a stream ends when the worker half-closes it.
 */
export interface ScriptedOrchestrator {
  readonly address: string;
  readonly registrations: RegisterRequest[];
  readonly streams: ScriptedStream[];
  readonly unregistrations: string[];
  readonly heartbeats: HeartbeatRequest[];
  /** Every message (hellos too) of every stream, in order. */
  readonly received: WorkerMessage[];
  close(): Promise<void>;
}

export async function startScriptedOrchestrator(options: ScriptedOrchestratorOptions = {}): Promise<ScriptedOrchestrator> {
  const dir = await tempSocketDir();
  const address = `unix://${join(dir, 'o.sock')}`;
  const registrations: RegisterRequest[] = [];
  const streams: ScriptedStream[] = [];
  const unregistrations: string[] = [];
  const heartbeats: HeartbeatRequest[] = [];
  const received: WorkerMessage[] = [];
  const server = createServer({ 'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 4 * MiB });
  server.add(AgentServiceDefinition, {
    register: async (request) => {
      registrations.push(request);
      const count = registrations.length;
      return RegisterResponse.fromPartial({
        agentId: `agent-${count}`,
        resumeToken: `token-${count}`,
        heartbeatIntervalMs: 1000,
        ...options.register?.(request, count),
      });
    },
    unregister: async (request) => {
      unregistrations.push(request.reason);
      return {};
    },
    heartbeat: async (request) => {
      heartbeats.push(request);
      return HeartbeatResponse.fromPartial({ known: true, ...options.heartbeat?.(request) });
    },
    async *taskStream(requests, context) {
      const out = createAsyncQueue<OrchestratorMessage>();
      let failure: ServerError | undefined;
      let helloSeen: () => void = () => undefined;
      const hello = new Promise<void>((resolve) => (helloSeen = resolve));
      const stream: ScriptedStream = {
        number: streams.length + 1,
        received: [],
        send: (message) => out.push(message),
        end: () => out.end(),
        fail: (details, code = Status.UNAVAILABLE) => {
          if (out.ended) return;
          failure = new ServerError(code, details);
          out.end();
        },
      };
      void (async () => {
        try {
          for await (const message of requests) {
            received.push(message);
            stream.received.push(message);
            if (message.event?.$case === 'hello') helloSeen();
            else options.onMessage?.(message, stream);
          }
        } catch {
          // the worker went away, or the stream failed
        } finally {
          out.end();
        }
      })();
      await Promise.race([hello, new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }))]);
      streams.push(stream);
      options.onStream?.(stream);
      for await (const message of out.consume(context.signal)) yield message;
      if (failure) throw failure;
    },
  });
  await server.listen(address);
  return {
    address,
    registrations,
    streams,
    unregistrations,
    heartbeats,
    received,
    async close() {
      server.forceShutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Leaves in `<dir>/results` (testWorkerAgent's spool) an unacknowledged COMPLETED result of
 * `taskId` with this output, as a worker that stopped before its ack would: the agent loads it
 * at start and delivers it.
 */
export async function spoolResult(dir: string, taskId: string, output: { stdout?: Buffer; stderr?: Buffer } = {}, leaseEpoch = 1): Promise<void> {
  const spool = new ResultSpool(join(dir, 'results'), 0);
  await spool.load();
  const log = spool.outputLog(taskId, leaseEpoch);
  if (output.stdout) await log.append('stdout', output.stdout);
  if (output.stderr) await log.append('stderr', output.stderr);
  const completed = TaskResult.fromPartial({ state: TaskState.TASK_STATE_COMPLETED, cause: 'COMPLETED', worker: 'w', runtime: 'runc', attempt: 1 });
  await spool.add({ taskId, leaseEpoch, event: { $case: 'completed', completed } }, log);
  await spool.spillAll();
}

/** One run of a task by scriptedExecutor. */
export interface ScriptedRun {
  readonly taskId: string;
  readonly task: Task;
  /** Reports progress as the real executor does (output, running). */
  progress(event: TaskProgress): Promise<void>;
  /** Aborted when the task is cancelled (cancelTask) or stopped (abort). */
  readonly signal: AbortSignal;
}

/** An executor whose every run the test scripts; `ran` lists the task ids it ran, in order. */
export function scriptedExecutor(run: (run: ScriptedRun) => Promise<RunOutcome>): TaskExecutor & { readonly ran: string[] } {
  const running = new Map<string, AbortController>();
  const ran: string[] = [];
  const stop = (taskId: string): boolean => {
    running.get(taskId)?.abort();
    return running.has(taskId);
  };
  const executor = {
    ran,
    get activeTaskIds() {
      return [...running.keys()];
    },
    async run(taskId: string, task: Task, options: { onProgress?: (event: TaskProgress) => void | Promise<void> } = {}): Promise<RunOutcome> {
      const controller = new AbortController();
      running.set(taskId, controller);
      ran.push(taskId);
      try {
        return await run({ taskId, task, signal: controller.signal, progress: async (event) => void (await options.onProgress?.(event)) });
      } finally {
        running.delete(taskId);
      }
    },
    cancelTask: stop,
    abort: stop,
  };
  return executor as unknown as TaskExecutor & { readonly ran: string[] };
}

/** A real WorkerAgent for a scripted orchestrator at `address`, started: its work dir in `dir`, `argv` added to its options. */
export function startTestWorkerAgent(address: string, dir: string, executor: TaskExecutor, argv: readonly string[] = []): WorkerAgent {
  const config = loadWorkerConfig({
    argv: ['--orchestrator-addr', address, '--name', 'test-worker', '--work-dir', join(dir, 'work'), ...argv],
    env: {},
    homeDir: '/nonexistent',
    hostname: 'h',
  });
  const agent = testWorkerAgent(config, executor, dir);
  void agent.start().catch(() => undefined);
  return agent;
}

/** A scripted orchestrator and a real WorkerAgent connected to it, in a temporary directory. */
export interface ScriptedPair {
  readonly dir: string;
  readonly orchestrator: ScriptedOrchestrator;
  readonly agent: WorkerAgent;
  /** Shuts the agent down, closes the orchestrator, removes the directory. */
  close(): Promise<void>;
}

export interface ScriptedPairOptions {
  readonly orchestrator?: ScriptedOrchestratorOptions;
  /** The agent's executor (one that fails every task unless given). */
  readonly executor?: TaskExecutor;
  /** Options added to the worker's. */
  readonly argv?: readonly string[];
  /** Runs before the agent starts, e.g. to spool results from "an earlier run" (spoolResult). */
  readonly prepare?: (dir: string) => Promise<void>;
}

export async function startScriptedPair(options: ScriptedPairOptions = {}): Promise<ScriptedPair> {
  const dir = await mkdtemp(join(tmpdir(), 'baaaht-scripted-'));
  await options.prepare?.(dir);
  const orchestrator = await startScriptedOrchestrator(options.orchestrator);
  const executor = options.executor ?? scriptedExecutor(() => Promise.reject(new Error('no task here')));
  const agent = startTestWorkerAgent(orchestrator.address, dir, executor, options.argv);
  return {
    dir,
    orchestrator,
    agent,
    async close() {
      await agent.shutdown('test over');
      await orchestrator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The orchestrator's acceptance of a result the worker sent. */
export function ackOf(result: WorkerMessage): OrchestratorMessage {
  return { taskId: result.taskId, command: { $case: 'ack', ack: { leaseEpoch: result.leaseEpoch, accepted: true } } };
}
