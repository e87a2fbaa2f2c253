import { unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type Server } from 'nice-grpc';
import type { Logger } from 'winston';
import type { OrchestratorConfig } from '../config/orchestrator-config.js';
import { AgentServiceDefinition, TaskServiceDefinition, type TaskResult } from '../gen/agent/v1/agent.js';
import { formatGrpcTarget, parseAddress, type GrpcAddress } from '../rpc/create-channel.js';
import { createAgentService } from './agent-service.js';
import { createErrorMiddleware } from './error-middleware.js';
import { createResultStore } from './result-store.js';
import { createTaskBroker } from './task-broker.js';
import { createTaskService } from './task-service.js';
import { bindUnixSocket, checkSocketMode, prepareUnixSocket } from './unix-socket.js';

const MiB = 1024 * 1024;

/** Knobs that are not configuration: derived from it by default, overridable in tests. */
export interface OrchestratorOptions {
  readonly now?: () => number;
  /** How long close() waits for calls to end before cancelling them. Default 5 s. */
  readonly closeGraceMs?: number;
  /** Per stream, per task, assembled for the result. Default: what fits a result in maxSendMsgSize, at most 10 MiB. */
  readonly outputCapBytes?: number;
  /** Unread output queued for one RunTask client. Default max(1 MiB, outputCapBytes). */
  readonly subscriberBufferBytes?: number;
  /** Output held by retained results, in all (oldest results go first). Default 64 MiB. */
  readonly maxRetainedOutputBytes?: number;
  /** Heartbeat interval told to workers. Default workerTimeoutMs / 3. */
  readonly heartbeatIntervalMs?: number;
}

export interface Orchestrator {
  /** Binds `config.listen` and serves AgentService and TaskService. Call once. */
  listen(): Promise<void>;
  /**
   * Where clients reach it: `unix:///abs/path`, or `host:port` with the real port once
   * listening (so `127.0.0.1:0` becomes e.g. `127.0.0.1:40123`).
   */
  readonly address: string;
  /** A finished task's result while it is retained (resultRetentionMs, maxRetainedResults). */
  getResult(taskId: string): TaskResult | undefined;
  /**
   * Cancels unfinished tasks (workers are told to stop them), ends worker streams, stops the
   * server (cancelling calls still open after closeGraceMs) and removes the socket file. Idempotent.
   */
  close(): Promise<void>;
}

export function createOrchestrator(
  config: OrchestratorConfig,
  logger: Logger,
  options: OrchestratorOptions = {},
): Orchestrator {
  const listenAddress: GrpcAddress = parseAddress(config.listen);
  if (listenAddress.kind === 'unix') checkSocketMode(config.socketMode);
  const now = options.now ?? Date.now;
  const outputCapBytes =
    options.outputCapBytes ?? Math.max(0, Math.min(10 * MiB, Math.floor((config.maxSendMsgSize - 64 * 1024) / 2)));
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.max(100, Math.floor(config.workerTimeoutMs / 3));
  const resultStore = createResultStore({
    retentionMs: config.resultRetentionMs,
    maxEntries: config.maxRetainedResults,
    maxBytes: options.maxRetainedOutputBytes ?? 64 * MiB,
    now,
  });
  const broker = createTaskBroker({
    logger,
    resultStore,
    workerTimeoutMs: config.workerTimeoutMs,
    outputCapBytes,
    subscriberBufferBytes: options.subscriberBufferBytes ?? Math.max(MiB, outputCapBytes),
    // Room for the envelope around the task in the assignment message.
    maxTaskBytes: config.maxSendMsgSize - 1024,
    now,
  });

  let server: Server | undefined;
  let listenCalled = false;
  let address = formatGrpcTarget(listenAddress);
  let sweeper: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  const startServer = (): Server => {
    const s = createServer({
      'grpc.max_receive_message_length': config.maxRecvMsgSize,
      'grpc.max_send_message_length': config.maxSendMsgSize,
      // Find dead peers on long-lived streams (TCP); clients ping on their own too.
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
    }).use(createErrorMiddleware(logger));
    s.add(AgentServiceDefinition, createAgentService(broker, { heartbeatIntervalMs }));
    s.add(TaskServiceDefinition, createTaskService(broker));
    return s;
  };

  async function stopServer(s: Server): Promise<void> {
    const grace = new AbortController();
    const graceful = s.shutdown().then(() => 'done' as const);
    const timedOut = sleep(options.closeGraceMs ?? 5000, 'timeout' as const, { signal: grace.signal }).catch(
      () => 'done' as const,
    );
    const outcome = await Promise.race([graceful, timedOut]);
    grace.abort();
    if (outcome === 'timeout') {
      logger.warn('calls still open after the grace period; cancelling them');
      s.forceShutdown();
    }
    await graceful.catch(() => undefined);
  }

  return {
    get address() {
      return address;
    },

    async listen() {
      if (listenCalled || closing) throw new Error('listen() may be called once, before close()');
      listenCalled = true;
      const s = startServer();
      try {
        if (listenAddress.kind === 'unix') {
          await prepareUnixSocket(listenAddress.path, config.socketMode);
          await bindUnixSocket(listenAddress.path, config.socketMode, () => s.listen(formatGrpcTarget(listenAddress)));
        } else {
          const port = await s.listen(formatGrpcTarget(listenAddress));
          address = formatGrpcTarget({ ...listenAddress, port });
        }
      } catch (error) {
        s.forceShutdown();
        throw error;
      }
      if (closing) {
        s.forceShutdown();
        throw new Error('the orchestrator was closed while it was starting');
      }
      server = s;
      const sweepMs = Math.max(50, Math.min(1000, Math.floor(config.workerTimeoutMs / 4)));
      sweeper = setInterval(() => broker.expireWorkers(), sweepMs);
      sweeper.unref();
    },

    getResult(taskId) {
      return broker.getResult(taskId);
    },

    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        broker.shutdown('the orchestrator is shutting down');
        const s = server;
        server = undefined;
        if (s) await stopServer(s);
        if (listenAddress.kind === 'unix' && s) {
          await unlink(listenAddress.path).catch(() => undefined);
        }
        logger.info('orchestrator stopped');
      })();
      return closing;
    },
  };
}
