import { unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type Server } from 'nice-grpc';
import type { Logger } from 'winston';
import type { OrchestratorConfig } from '../config/orchestrator-config.js';
import { AgentServiceDefinition, TaskServiceDefinition, type TaskResult } from '../gen/agent/v1/agent.js';
import { formatGrpcTarget, parseAddress, type GrpcAddress } from '../rpc/create-channel.js';
import { insecureWarning } from '../rpc/insecure-warning.js';
import { startMetricsServer, type MetricsServer } from '../metrics/index.js';
import { createServerCredentials } from './create-server-credentials.js';
import { createAgentService } from './agent-service.js';
import { chooseHeartbeatInterval } from './choose-heartbeat-interval.js';
import { createErrorMiddleware } from './error-middleware.js';
import { orchestratorReadiness } from './health-readiness.js';
import { createHealthService } from './health-service.js';
import { brokerMetricsSources, OrchestratorMetrics } from './orchestrator-metrics.js';
import { createWorkerKeyMiddleware } from './worker-key-middleware.js';
import { clientAuthMode, createClientAuthMiddleware } from './client-auth-middleware.js';
import { createClientTokens } from './client-tokens.js';
import { createPeerCertificateInterceptor } from './peer-certificate-interceptor.js';
import { DEFAULT_QUEUE_LIMITS } from '../config/queue-limit-option-specs.js';
import { createWorkerKeys } from './worker-keys.js';
import { createTaskBroker, type TaskBroker, type TaskView } from './task-broker.js';
import { createTaskService } from './task-service.js';
import { openTaskStore } from './task-store.js';
import { bindUnixSocket, checkSocketMode, prepareUnixSocket } from './unix-socket.js';

const MiB = 1024 * 1024;

/** Knobs that are not configuration: derived from it by default, overridable in tests. */
export interface OrchestratorOptions {
  readonly now?: () => number;
  /** How long close() waits for calls to end before cancelling them. Default 5 s. */
  readonly closeGraceMs?: number;
  /** Per stream, per task, assembled for the result. Default: what fits a result in maxSendMsgSize, at most 10 MiB. */
  readonly outputCapBytes?: number;
  /** Unread output queued for one RunTask client before the worker is held back. Default 4 MiB. */
  readonly subscriberBufferBytes?: number;
  /** How long a RunTask client that reads nothing may hold its worker back; then its output is dropped. Default 30 s. */
  readonly subscriberStallMs?: number;
  /** Output held by retained results, in all (oldest results go first). Default 64 MiB. */
  readonly maxRetainedOutputBytes?: number;
  /** Heartbeat interval told to workers. Default, and at most, workerTimeoutMs / 3 (see chooseHeartbeatInterval). */
  readonly heartbeatIntervalMs?: number;
  /**
   * How often leases, heartbeats and retention are checked (TaskBroker.sweep). Default
   * workerTimeoutMs / 4, between 50 ms and 1 s; 0 turns the timer off (tests call sweep()).
   */
  readonly sweepIntervalMs?: number;
}

export interface Orchestrator {
  /**
   * Binds `config.listen` and serves AgentService, TaskService and the gRPC health service
   * (grpc.health.v1), and starts the metrics server when `config.metricsAddr` is set. Call once.
   */
  listen(): Promise<void>;
  /**
   * Where clients reach it: `unix:///abs/path`, or `host:port` with the real port once
   * listening (so `127.0.0.1:0` becomes e.g. `127.0.0.1:40123`).
   */
  readonly address: string;
  /**
   * `host:port` of the HTTP server of /healthz, /readyz and /metrics (config.metricsAddr) while
   * it runs, with the real port (`127.0.0.1:0` becomes e.g. `127.0.0.1:40124`); else undefined.
   */
  readonly metricsAddress: string | undefined;
  /** A finished task's result while it is retained (resultRetentionMs, maxRetainedResults). */
  getResult(taskId: string): TaskResult | undefined;
  /** What GetTask answers: an unfinished task, or a finished one while its result is retained. */
  getTask(taskId: string): TaskView | undefined;
  /** Runs the periodic upkeep now: lease deadlines, missed heartbeats, held tasks, retention. */
  sweep(): void;
  /**
   * Says NOT_SERVING (health service, /readyz), ends worker streams and clients' task streams,
   * stops the server (cancelling calls still open after closeGraceMs), closes the store and the
   * metrics server and removes the socket file. Unfinished tasks are
   * kept in the store (nothing is cancelled): an orchestrator started on the same data directory
   * takes them up. Idempotent.
   */
  close(): Promise<void>;
}

export function createOrchestrator(
  config: OrchestratorConfig,
  logger: Logger,
  options: OrchestratorOptions = {},
): Orchestrator {
  const listenAddress: GrpcAddress = parseAddress(config.listen);
  if (listenAddress.kind === 'unix') checkSocketMode(config.socketMode, config.socketGroup);
  checkListenerSecurity(listenAddress, config);
  const now = options.now ?? Date.now;
  const outputCapBytes =
    options.outputCapBytes ?? Math.max(0, Math.min(10 * MiB, Math.floor((config.maxSendMsgSize - 64 * 1024) / 2)));
  const heartbeatIntervalMs = chooseHeartbeatInterval(config.workerTimeoutMs, options.heartbeatIntervalMs);
  const workerKeys = createWorkerKeys(config);
  const clientAuth = clientAuthMode({
    tokens: createClientTokens(config.clientTokens ?? []),
    unixSocket: listenAddress.kind === 'unix',
    clientCertificates: config.tls?.clientCa !== undefined,
    insecure: config.insecure === true,
  });
  const store = openTaskStore(config.dataDir);
  let broker: TaskBroker;
  const metrics = config.metricsAddr === undefined ? undefined : new OrchestratorMetrics(brokerMetricsSources(() => broker));
  try {
    broker = createTaskBroker({
      logger,
      store,
      workerTimeoutMs: config.workerTimeoutMs,
      maxAttempts: config.maxAttempts,
      retention: {
        retentionMs: config.resultRetentionMs,
        maxEntries: config.maxRetainedResults,
        maxBytes: options.maxRetainedOutputBytes ?? 64 * MiB,
      },
      outputCapBytes,
      subscriberBufferBytes: options.subscriberBufferBytes ?? 4 * MiB,
      ...(options.subscriberStallMs === undefined ? {} : { subscriberStallMs: options.subscriberStallMs }),
      // Room for the envelope around the task in the assignment message.
      maxTaskBytes: config.maxSendMsgSize - 1024,
      now,
      ...(metrics ? { observer: metrics } : {}),
      queueLimits: config.queueLimits ?? DEFAULT_QUEUE_LIMITS,
    });
  } catch (error) {
    store.close();
    throw error;
  }
  logger.info('task store open', { store: store.location });

  let server: Server | undefined;
  let listenCalled = false;
  let address = formatGrpcTarget(listenAddress);
  let sweeper: NodeJS.Timeout | undefined;
  let storeDown = false;
  /** The broker's upkeep; the health service follows whether the task store writes. */
  const sweep = (): void => {
    try {
      broker.sweep();
    } catch (error) {
      logger.error('sweep failed', { error: error instanceof Error ? error.message : String(error) });
    }
    const down = broker.storeProblem !== undefined;
    if (server === undefined || closing !== undefined || down === storeDown) return;
    storeDown = down;
    if (down) health.notServing();
    else health.serving();
  };
  let closing: Promise<void> | undefined;
  let metricsServer: MetricsServer | undefined;
  const health = createHealthService();

  const startServer = (): Server => {
    const s = createServer({
      'grpc.max_receive_message_length': config.maxRecvMsgSize,
      'grpc.max_send_message_length': config.maxSendMsgSize,
      // Find dead peers on long-lived streams (TCP); clients ping on their own too.
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
      // Passes a verified client certificate's CN to the client auth middleware (and drops any a peer sends).
      interceptors: [createPeerCertificateInterceptor()],
    })
      .use(createErrorMiddleware(logger))
      .use(createWorkerKeyMiddleware(workerKeys));
    s.add(AgentServiceDefinition, createAgentService(broker, { heartbeatIntervalMs, maxReceiveMessageBytes: config.maxRecvMsgSize, workerKeys }));
    s.with(createClientAuthMiddleware(clientAuth)).add(TaskServiceDefinition, createTaskService(broker));
    s.add(health.definition, health.implementation);
    return s;
  };

  /** Closes the metrics server, if it runs (failures are logged: they must not hide a close that went wrong). */
  async function closeMetricsServer(): Promise<void> {
    const m = metricsServer;
    metricsServer = undefined;
    await m?.close().catch((error: unknown) => {
      logger.warn('closing the metrics server failed', { error: error instanceof Error ? error.message : String(error) });
    });
  }

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

    get metricsAddress() {
      return metricsServer?.address;
    },

    async listen() {
      if (listenCalled || closing) throw new Error('listen() may be called once, before close()');
      listenCalled = true;
      const s = startServer();
      try {
        if (metrics && config.metricsAddr !== undefined) {
          metricsServer = await startMetricsServer({
            address: config.metricsAddr,
            metrics: () => metrics.text(),
            contentType: metrics.contentType,
            readiness: () => orchestratorReadiness({ listening: server !== undefined, closing: closing !== undefined, storeProblem: broker.storeProblem }),
          });
        }
        if (listenAddress.kind === 'unix') {
          await prepareUnixSocket(listenAddress.path, config.socketMode, config.socketGroup);
          await bindUnixSocket(listenAddress.path, config.socketMode, () => s.listen(formatGrpcTarget(listenAddress)), config.socketGroup);
        } else {
          const port = await s.listen(formatGrpcTarget(listenAddress), createServerCredentials(config.tls));
          address = formatGrpcTarget({ ...listenAddress, port });
          if (config.insecure === true) logger.warn(insecureWarning('listener', address));
          if (clientAuth.kind === 'insecure') {
            logger.warn(`INSECURE: clients of ${address} are not authenticated (no --client-tokens): every caller is an admin and sees every task`);
          }
        }
      } catch (error) {
        s.forceShutdown();
        await closeMetricsServer();
        throw error;
      }
      if (closing) {
        s.forceShutdown();
        await closeMetricsServer();
        throw new Error('the orchestrator was closed while it was starting');
      }
      server = s;
      health.serving();
      const sweepMs = options.sweepIntervalMs ?? Math.max(50, Math.min(1000, Math.floor(config.workerTimeoutMs / 4)));
      if (sweepMs > 0) {
        sweeper = setInterval(sweep, sweepMs);
        sweeper.unref();
      }
    },

    getResult(taskId) {
      return broker.getResult(taskId);
    },

    getTask(taskId) {
      return broker.getTask(taskId);
    },

    sweep,

    close() {
      closing ??= (async () => {
        health.stop();
        clearInterval(sweeper);
        broker.shutdown('the orchestrator is shutting down');
        const s = server;
        server = undefined;
        try {
          if (s) await stopServer(s);
        } finally {
          broker.close();
          store.close();
          await closeMetricsServer();
        }
        if (listenAddress.kind === 'unix' && s) {
          await unlink(listenAddress.path).catch(() => undefined);
        }
        logger.info('orchestrator stopped');
      })();
      return closing;
    },
  };
}

/**
 * A TCP listener serves TLS (config.tls) or, with config.insecure, plaintext; a unix socket
 * takes neither (its file mode and group protect it). parseOrchestratorArgs says the same with
 * option names; this guards programs that build the config themselves.
 */
function checkListenerSecurity(address: GrpcAddress, config: OrchestratorConfig): void {
  if (address.kind === 'unix') {
    if (config.tls !== undefined || config.insecure === true) {
      throw new Error(`TLS and insecure apply to TCP listeners only; ${config.listen} is a unix socket`);
    }
    return;
  }
  if (config.socketGroup !== undefined) throw new Error(`a socket group applies to unix sockets only; ${config.listen} is a TCP address`);
  if (config.tls !== undefined && config.insecure === true) throw new Error(`${config.listen}: choose TLS or insecure, not both`);
  if (config.tls === undefined && config.insecure !== true) {
    throw new Error(`${config.listen} is a TCP address: it needs TLS (a certificate and key) or an explicit insecure (testing only)`);
  }
  // Anonymous clients from the network (TLS without a client CA and no client tokens): clientAuthMode refuses.
}
