import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, createClient, Metadata, Status, type Channel } from 'nice-grpc';
import type { WorkerConfig } from '../config/worker-config.js';
import { AgentServiceDefinition, type AgentServiceClient, type OrchestratorMessage, type RegisterResponse } from '../gen/agent/v1/agent.js';
import type { Logger } from '../log/index.js';
import { negotiateProtocolVersion } from '../protocol/index.js';
import { agentCallMetadata } from '../rpc/agent-token.js';
import { createOrchestratorDialer, fixedDialer, processSocketTrust, type OrchestratorDialer } from '../rpc/create-orchestrator-dialer.js';
import { insecureWarning } from '../rpc/insecure-warning.js';
import { waitForReady } from '../rpc/wait-for-ready.js';
import { WORKER_KEY_METADATA } from '../rpc/worker-key.js';
import type { AgentIdentityFile } from './agent-identity-file.js';
import { BeatSignal } from './beat-signal.js';
import type { ConnectionState } from './connection-state.js';
import { describeError } from './describe-error.js';
import { heartbeatInterval } from './heartbeat-interval.js';
import { runHeartbeats, type HeartbeatFacts } from './heartbeat-loop.js';
import { sessionSendLimit } from './message-limits.js';
import { reconnectDelay } from './reconnect-delay.js';
import { registrationRequest, type WorkerIdentity } from './registration-request.js';
import { StreamSession } from './stream-session.js';
import type { WorkerMetrics } from './worker-metrics.js';

/**
 * A session that lasted this long proved the link works, even if the orchestrator sent nothing:
 * the reconnect backoff starts again after it. One that ends sooner, before any assignment,
 * cancel or ack, failed at once, and the backoff goes on growing.
 */
const STABLE_SESSION_MS = 10_000;

/** Reconnect attempts ran out (`--reconnect-max-attempts`). */
export class ReconnectExhaustedError extends Error {
  override readonly name = 'ReconnectExhaustedError';
}

/** What the worker tells the link, and what the link tells it. */
export interface LinkHooks extends HeartbeatFacts {
  /** Registered and the task stream is open. */
  onReady(agentId: string): void;
  /** A new session: results from before it go out again. */
  onSession(session: StreamSession): void;
  onMessage(message: OrchestratorMessage): void;
  /** The orchestrator's side of a session's stream failed (not the worker's stop, nor its own end). */
  onStreamFailed(session: StreamSession): void;
  /** Nothing is left to do on a link, or the worker is leaving: no new registration; the loop ends when the session does. */
  finished(): boolean;
}

export interface OrchestratorLinkOptions extends WorkerIdentity {
  readonly config: WorkerConfig;
  readonly logger: Logger;
  readonly metrics?: WorkerMetrics;
  /** For tests: a channel to use instead of dialling config.orchestratorAddr. */
  readonly channel?: Channel;
  readonly random?: () => number;
  readonly hooks: LinkHooks;
  /** Where the agent id and resume token are kept across restarts (agent-identity-file.ts says who may read it). */
  readonly identityFile?: AgentIdentityFile;
}

/**
 * The worker's link to its orchestrator: dials, registers (resuming its agent id and token
 * after a reconnect), opens the task stream, heartbeats its leases, and reconnects with
 * exponential backoff when the link fails, until `run`'s signal aborts.
 */
export class OrchestratorLink {
  private connection: ConnectionState = 'IDLE';
  private readonly listeners = new Set<(state: ConnectionState) => void>();
  private id: string | undefined;
  /**
   * The resume token Register returned with `id`, in memory only: it proves to the orchestrator
   * that calls about `id` come from this worker (sent to resume `id`, and on Heartbeat,
   * Unregister and TaskStream as x-baaaht-agent-token).
   */
  private resumeToken: string | undefined;
  /** Makes each session's channel; a Unix socket's owner is checked at every dial. */
  private readonly dialer: OrchestratorDialer;
  private dialled: { readonly channel: Channel; readonly client: AgentServiceClient } | undefined;
  private current: StreamSession | undefined;
  private sessions = 0;

  constructor(private readonly options: OrchestratorLinkOptions) {
    const { config } = options;
    this.dialer =
      options.channel === undefined
        ? createOrchestratorDialer(config.orchestratorAddr, {
            maxRecvMsgSize: config.maxRecvMsgSize,
            maxSendMsgSize: config.maxSendMsgSize,
            tls: config.tls,
            insecure: config.insecure,
            // Trusted socket owners: this user, root and --trust-socket-owner (socket-owner-problem.ts says why).
            trust: processSocketTrust(config.trustSocketOwners),
          })
        : fixedDialer(options.channel);
    if (config.insecure === true && options.channel === undefined) options.logger.warn(insecureWarning('connection', config.orchestratorAddr));
  }

  get state(): ConnectionState {
    return this.connection;
  }

  /** Called on every change of the connection state; returns an unsubscribe function. */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The id the orchestrator gave at the last registration. */
  get agentId(): string | undefined {
    return this.id;
  }

  /** The task stream open now, if any. */
  get session(): StreamSession | undefined {
    return this.current;
  }

  /** Connects, and reconnects after every failure, until `signal`; throws ReconnectExhaustedError when attempts run out. */
  async run(signal: AbortSignal): Promise<void> {
    const { config, logger, hooks } = this.options;
    // Attempts that did not register (--reconnect-max-attempts counts these), and the step of
    // the backoff: every failure in a row, a registration whose stream failed before it proved
    // itself included. Only a proven session (provenSession) starts the backoff again.
    let attempts = 0;
    let step = 0;
    const saved = this.id === undefined ? await this.options.identityFile?.load() : undefined;
    if (saved) {
      // A new boot of the same worker: resuming its identity lets the orchestrator release the
      // old boot's leases at once (Register carries this boot's new boot_id).
      this.id = saved.agentId;
      this.resumeToken = saved.resumeToken;
      logger.info('resuming the agent id an earlier boot of this worker saved', { agentId: saved.agentId });
    }
    while (!signal.aborted) {
      let registered: StreamSession | undefined;
      try {
        await this.runSession(signal, (session) => {
          registered = session;
          attempts = 0;
        });
        if (!signal.aborted) logger.warn('task stream ended by the orchestrator');
      } catch (error) {
        if (!signal.aborted) logger.warn('orchestrator link failed', { addr: config.orchestratorAddr, error: describeError(error) });
      }
      if (signal.aborted || hooks.finished()) break;
      this.setState('TRANSIENT_FAILURE');
      if (!registered) attempts++;
      step = registered?.provenAfter(STABLE_SESSION_MS) === true ? 0 : step + 1;
      if (config.reconnectMaxAttempts > 0 && attempts >= config.reconnectMaxAttempts) {
        throw new ReconnectExhaustedError(`could not reach the orchestrator at ${config.orchestratorAddr} after ${attempts} attempts`);
      }
      const delay = reconnectDelay(step + 1, config.reconnectIntervalMs, config.reconnectMaxIntervalMs, this.options.random);
      logger.info('reconnecting', { inMs: delay, attempt: step + 1 });
      this.options.metrics?.reconnect();
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      if (hooks.finished()) break; // the worker decided to stop meanwhile
    }
  }

  /** Unregisters this worker's agent id (it is leaving); a failure is logged. */
  async unregister(reason: string): Promise<void> {
    const { config, logger } = this.options;
    if (!this.id) return;
    try {
      await this.client.unregister({ agentId: this.id, reason }, { signal: AbortSignal.timeout(config.rpcTimeoutMs), metadata: this.agentMetadata() });
      logger.info('unregistered', { agentId: this.id, reason });
      // Nothing left to resume: the orchestrator released the id's leases.
      if ((await this.options.identityFile?.load())?.agentId === this.id) await this.saveIdentity(undefined);
    } catch (error) {
      logger.warn('unregister failed', { error: describeError(error) });
    }
  }

  /** Closes the channel for good. */
  close(): void {
    this.dialer.close();
    this.setState('SHUTDOWN');
  }

  private setState(to: ConnectionState): void {
    const from = this.connection;
    if (from === to || from === 'SHUTDOWN') return;
    this.connection = to;
    this.options.logger.info('connection state', { from, to, orchestrator: this.options.config.orchestratorAddr });
    for (const listener of this.listeners) listener(to);
  }

  /** The client of the current session's channel (the worker key rides on every call). */
  private get client(): AgentServiceClient {
    if (this.dialled === undefined) throw new Error('not connected to the orchestrator yet');
    return this.dialled.client;
  }

  /** A channel for a new session (dialer.dial: a Unix socket's owner is checked first), and its client. */
  private dial(): Channel {
    const channel = this.dialer.dial();
    if (this.dialled?.channel !== channel) {
      const { workerKey } = this.options.config;
      const client = createClient(
        AgentServiceDefinition,
        channel,
        workerKey ? { '*': { metadata: Metadata({ [WORKER_KEY_METADATA]: workerKey }) } } : {},
      );
      this.dialled = { channel, client };
    }
    return channel;
  }

  /** Metadata of a call about this worker's own agent id: its worker key and resume token. */
  private agentMetadata(): Metadata {
    return agentCallMetadata(this.options.config.workerKey, this.resumeToken);
  }

  /** One registration and task stream, until the link drops or `stop` aborts. */
  private async runSession(stop: AbortSignal, onRegistered: (session: StreamSession) => void): Promise<void> {
    const { config, logger, hooks } = this.options;
    this.setState('CONNECTING');
    await waitForReady(this.dial(), config.dialTimeoutMs, stop);
    const previous = this.id;
    const previousToken = this.resumeToken;
    const registration = await this.register(previous, stop);
    const agentId = registration.agentId;
    this.id = agentId;
    // An older orchestrator sends none (and asks for none).
    this.resumeToken = registration.resumeToken === '' ? undefined : registration.resumeToken;
    if (agentId !== previous || this.resumeToken !== previousToken) {
      await this.saveIdentity(this.resumeToken === undefined ? undefined : { agentId, resumeToken: this.resumeToken });
    }
    logger.info(registration.resumed ? 'registration resumed' : 'registered', {
      agentId,
      ...(previous && !registration.resumed ? { previousAgentId: previous } : {}),
      orchestrator: config.orchestratorAddr,
      tools: this.options.toolTypes.join(','),
      group: config.group,
    });

    const over = new AbortController();
    const signal = AbortSignal.any([stop, over.signal]);
    const beat = new BeatSignal();
    const session = new StreamSession(
      {
        number: ++this.sessions,
        outputOffsets: registration.outputOffsets,
        maxMessageBytes: sessionSendLimit(registration.maxReceiveMessageBytes, config.maxSendMsgSize),
        protocolVersion: negotiateProtocolVersion(registration.protocolVersion) ?? 1,
      },
      beat,
    );
    this.current = session;
    onRegistered(session);
    const intervalMs = heartbeatInterval(config.heartbeatIntervalMs, registration.heartbeatIntervalMs);
    if (intervalMs !== config.heartbeatIntervalMs) {
      logger.info('heartbeating at the orchestrator\'s interval', { intervalMs, configuredMs: config.heartbeatIntervalMs });
    }
    const heartbeats = runHeartbeats(
      {
        client: this.client,
        agentId,
        intervalMs,
        rpcTimeoutMs: config.rpcTimeoutMs,
        metadata: () => this.agentMetadata(),
        facts: hooks,
        beat,
        logger,
        forgotten: () => over.abort(new Error('orchestrator forgot this worker')),
      },
      signal,
    );
    try {
      await session.sendEvent('', 0, { $case: 'hello', hello: { agentId } });
      const stream = this.client.taskStream(session.messages(), { signal, metadata: this.agentMetadata() });
      this.setState('READY');
      hooks.onReady(agentId);
      hooks.onSession(session);
      try {
        for await (const message of stream) {
          session.heard();
          hooks.onMessage(message);
        }
      } catch (error) {
        if (!signal.aborted) hooks.onStreamFailed(session);
        throw error;
      }
    } finally {
      if (this.current === session) this.current = undefined;
      over.abort(new Error('session over'));
      session.close();
      await heartbeats;
    }
  }

  /** Keeps (or forgets) the identity for the next boot; a failure is logged, never fatal. */
  private async saveIdentity(identity: { agentId: string; resumeToken: string } | undefined): Promise<void> {
    await this.options.identityFile?.save(identity).catch((error: unknown) => {
      this.options.logger.warn('could not keep the agent id for the next start', { file: this.options.identityFile?.path, error: describeError(error) });
    });
  }

  private register(previous: string | undefined, stop: AbortSignal): Promise<RegisterResponse> {
    const { config, logger } = this.options;
    const request = registrationRequest(this.options, previous === undefined ? undefined : { agentId: previous, token: this.resumeToken ?? '' });
    return this.client.register(request, { signal: AbortSignal.any([stop, AbortSignal.timeout(config.rpcTimeoutMs)]) }).catch((error: unknown) => {
      if (previous !== undefined && error instanceof ClientError && error.code === Status.PERMISSION_DENIED) {
        // Our id is not ours any more (or the group key is wrong): the next attempt registers anew.
        logger.warn('the orchestrator refused to resume this worker\'s agent id; registering anew next', { agentId: previous, error: error.details });
        this.id = undefined;
        this.resumeToken = undefined;
        void this.saveIdentity(undefined);
      }
      throw error;
    });
  }
}
