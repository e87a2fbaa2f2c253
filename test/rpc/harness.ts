/** Starts the real orchestrator on a temporary Unix socket for RPC tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import winston from 'winston';
import { createClient, type Channel } from 'nice-grpc';
import type { OrchestratorConfig } from '../../pkg/config/orchestrator-config.js';
import { TaskServiceDefinition, type TaskEvent, type TaskResult, type TaskServiceClient } from '../../pkg/gen/agent/v1/agent.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from '../../pkg/orchestrator/index.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import type { WorkerConfig } from '../../pkg/config/worker-config.js';
import { ResultSpool, WorkerAgent, type TaskExecutor } from '../../pkg/worker/index.js';

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
