/** Starts the real orchestrator on a temporary Unix socket for RPC tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import winston from 'winston';
import { createClient, type Channel } from 'nice-grpc';
import type { OrchestratorConfig } from '../../pkg/config/orchestrator-config.js';
import { TaskServiceDefinition, type TaskEvent, type TaskResult, type TaskServiceClient } from '../../pkg/gen/agent/v1/agent.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from '../../pkg/orchestrator/index.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';

export const MiB = 1024 * 1024;

export function silentLogger(): winston.Logger {
  return winston.createLogger({ silent: true });
}

export interface Harness {
  readonly orchestrator: Orchestrator;
  readonly dir: string;
  readonly socketPath: string;
  readonly address: string;
  readonly tasks: TaskServiceClient;
  /** A new channel to the orchestrator (closed by close()). */
  channel(): Channel;
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
  const orchestrator = createOrchestrator(testConfig(`unix://${socketPath}`, overrides), silentLogger(), {
    closeGraceMs: 1000,
    ...options,
  });
  await orchestrator.listen();
  const channels: Channel[] = [];
  const channel = (): Channel => {
    const c = createGrpcChannel(orchestrator.address, { maxRecvMsgSize: 64 * MiB, maxSendMsgSize: 64 * MiB });
    channels.push(c);
    return c;
  };
  const tasks = createClient(TaskServiceDefinition, channel());
  return {
    orchestrator,
    dir,
    socketPath,
    address: orchestrator.address,
    tasks,
    channel,
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
