import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, createClient, Metadata, Status, type Channel } from 'nice-grpc';
import type { WorkerConfig } from '../config/worker-config.js';
import {
  AgentServiceDefinition,
  OutputStream,
  TaskState,
  type AgentServiceClient,
  type OrchestratorMessage,
  type Task,
  type WorkerMessage,
} from '../gen/agent/v1/agent.js';
import type { Logger } from '../log/index.js';
import type { ContainerReaper } from '../runtime/index.js';
import { createOrchestratorDialer, fixedDialer, processSocketTrust, type OrchestratorDialer } from '../rpc/create-orchestrator-dialer.js';
import { insecureWarning } from '../rpc/insecure-warning.js';
import { waitForReady } from '../rpc/wait-for-ready.js';
import { WORKER_KEY_METADATA } from '../rpc/worker-key.js';
import { agentCallMetadata } from '../rpc/agent-token.js';
import type { ConnectionState } from './connection-state.js';
import type { EngineHealth } from './engine-health.js';
import { Outbox } from './outbox.js';
import { OutputCoalescer } from './output-coalescer.js';
import type { OutputLog, OutputStreamName } from './output-log.js';
import { heartbeatInterval } from './heartbeat-interval.js';
import { reconnectDelay } from './reconnect-delay.js';
import type { ResultSpool, SpooledResult } from './result-spool.js';
import { TaskAbortReason } from './task-abort-reason.js';
import type { TaskExecutor } from './task-executor.js';
import { isAddressableTaskId } from './is-addressable-task-id.js';
import { makeOutcome, type FinalState, type TaskOutcome, type TaskProgress } from './task-outcome.js';
import { TaskQueue } from './task-queue.js';
import type { TaskRecords, TaskRecordWriter } from './task-records.js';
import type { WorkerMetrics } from './worker-metrics.js';
import { canTransition, type WorkerState } from './worker-state.js';
import { platformLabels } from '../placement/platform-labels.js';

export interface WorkerAgentOptions {
  readonly config: WorkerConfig;
  readonly executor: TaskExecutor;
  /** Results waiting for the orchestrator's ack (kept across outages and restarts). */
  readonly spool: ResultSpool;
  /** Tool types this worker really serves (their images are present). */
  readonly toolTypes: readonly string[];
  readonly runtimes: readonly string[];
  readonly logger: Logger;
  readonly version: string;
  readonly hostname: string;
  /** New each start of the worker process. */
  readonly bootId: string;
  /** Labels beyond config.labels (library callers); the platform labels are added to both. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly engineHealth?: EngineHealth;
  readonly reaper?: ContainerReaper;
  /** Counts tasks, output and reconnects for /metrics. */
  readonly metrics?: WorkerMetrics;
  /** Per-task records in the work directory (--task-records): written behind each task, swept while the agent runs. */
  readonly taskRecords?: TaskRecords;
  /** Called once the agent has stopped (its tasks are done): closes what the worker started for them, e.g. the egress proxy. */
  readonly onStopped?: () => Promise<void>;
  /** For tests: a channel to use instead of dialling config.orchestratorAddr. */
  readonly channel?: Channel;
  readonly random?: () => number;
}

/** Reconnect attempts ran out (`--reconnect-max-attempts`). */
export class ReconnectExhaustedError extends Error {
  override readonly name = 'ReconnectExhaustedError';
}

const WIRE_STREAM: Readonly<Record<OutputStreamName, OutputStream>> = {
  stdout: OutputStream.OUTPUT_STREAM_STDOUT,
  stderr: OutputStream.OUTPUT_STREAM_STDERR,
};

const STATE_TO_WIRE: Readonly<Record<FinalState, TaskState>> = {
  COMPLETED: TaskState.TASK_STATE_COMPLETED,
  FAILED: TaskState.TASK_STATE_FAILED,
  TIMEOUT: TaskState.TASK_STATE_TIMEOUT,
  CANCELLED: TaskState.TASK_STATE_CANCELLED,
};

/** One assignment this worker holds, from accept until its result is spooled. */
interface TaskRecord {
  readonly taskId: string;
  readonly leaseEpoch: number;
  readonly attempt: number;
  /** The task's tool type; empty for an assignment without a task. */
  readonly tool: string;
  /** performance.now() when its run started (for the container start latency). */
  startedAt?: number;
  /**
   * The task's output, kept until its result is acknowledged so that it can be resent (the
   * first MiBs in memory, the rest on disk: output-log.ts). Undefined for tasks that never ran.
   */
  output?: OutputLog;
  /** Joins output into chunks of up to 64 KiB for the wire (output-coalescer.ts). */
  coalescer?: OutputCoalescer;
  /** Its record in the work directory (--task-records), written as the output goes out. */
  recordFiles?: TaskRecordWriter;
  /** The session every message of the task went out on so far; undefined once one was missed. */
  session: number | undefined;
  done?: Promise<void>;
}

interface Link {
  readonly number: number;
  readonly outbox: Outbox<WorkerMessage>;
  /** The orchestrator places chunks by offset: output may be resent as chunks (RegisterResponse.output_offsets). */
  readonly outputOffsets: boolean;
  /** Ask the heartbeat loop for a beat now (drain started, engine health changed). */
  beatNow(): void;
}

/**
 * The worker's link to its orchestrator: registers (resuming its agent id after a reconnect),
 * heartbeats its leases, takes tasks from the task stream, runs them through the executor (at
 * most maxConcurrentTasks at once) and reports their progress. Results wait in the spool until
 * the orchestrator acknowledges them, so none is lost while it is away. Reconnects by itself
 * with exponential backoff; drains or shuts down on request.
 */
export class WorkerAgent {
  private lifecycle: WorkerState = 'INITIALIZED';
  private connection: ConnectionState = 'IDLE';
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
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
  private readonly queue: TaskQueue;
  /** Ends the connection loop and the background loops. */
  private readonly stop = new AbortController();
  private readonly tasks = new Map<string, TaskRecord>();
  private link: Link | undefined;
  private sessions = 0;
  private background: Promise<unknown> | undefined;
  private loopDone: Promise<void> | undefined;
  private fatal: Error | undefined;
  private stopping: Promise<void> | undefined;
  private registered: { resolve: (id: string) => void; reject: (error: Error) => void } | undefined;

  constructor(private readonly options: WorkerAgentOptions) {
    const { config } = options;
    const injected = options.channel;
    this.dialer =
      injected === undefined
        ? createOrchestratorDialer(config.orchestratorAddr, {
            maxRecvMsgSize: config.maxRecvMsgSize,
            maxSendMsgSize: config.maxSendMsgSize,
            tls: config.tls,
            insecure: config.insecure,
            // Trusted socket owners: this user, root and --trust-socket-owner (socket-owner-problem.ts says why).
            trust: processSocketTrust(config.trustSocketOwners),
          })
        : fixedDialer(injected);
    if (config.insecure === true && options.channel === undefined) options.logger.warn(insecureWarning('connection', config.orchestratorAddr));
    this.queue = new TaskQueue(config.maxConcurrentTasks);
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

  get state(): WorkerState {
    return this.lifecycle;
  }

  get connectionState(): ConnectionState {
    return this.connection;
  }

  /** Called on every change of the connection state; returns an unsubscribe function. */
  onConnectionStateChange(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** The id the orchestrator gave at the last registration. */
  get agentId(): string | undefined {
    return this.id;
  }

  /** Tasks queued or running here. */
  get activeTaskIds(): string[] {
    return [...this.tasks.keys()];
  }

  /** Tasks running here now. */
  get runningTasks(): number {
    return this.queue.running;
  }

  /** Tasks accepted here and waiting for a free slot. */
  get queuedTasks(): number {
    return this.queue.queued;
  }

  /** Results finished here that the orchestrator has not acknowledged yet. */
  get unacknowledgedResults(): number {
    return this.options.spool.size;
  }

  /**
   * Loads results an earlier run left, reaps orphaned containers, and starts the connection
   * loop; resolves with the agent id once registered. The loop goes on in the background until
   * drain() or shutdown(); `done()` settles when it ends.
   */
  start(): Promise<string> {
    if (this.lifecycle !== 'INITIALIZED') throw new Error(`start() may be called once (state ${this.lifecycle})`);
    this.transition('RUNNING');
    const first = new Promise<string>((resolve, reject) => {
      this.registered = { resolve, reject };
    });
    this.loopDone = this.run();
    return first;
  }

  private async run(): Promise<void> {
    const { logger, spool, reaper, engineHealth } = this.options;
    try {
      const loaded = await spool.load();
      if (loaded > 0) logger.info('results from an earlier run to deliver', { count: loaded });
      if (reaper) await this.reap(reaper);
    } catch (error) {
      this.fatal = error instanceof Error ? error : new Error(String(error));
      this.registered?.reject(this.fatal);
      return;
    }
    this.background = Promise.all([
      engineHealth?.run(this.stop.signal),
      reaper ? this.reapLoop(reaper) : undefined,
      this.options.taskRecords?.run(this.stop.signal),
    ]);
    await this.connectionLoop();
  }

  /** Settles when the connection loop has ended: resolves after drain/shutdown, rejects on a fatal error. */
  async done(): Promise<void> {
    await this.loopDone;
    if (this.fatal) throw this.fatal;
  }

  /** SIGUSR1: take no new tasks, finish the running ones, report them, unregister. */
  drain(reason = 'drain'): Promise<void> {
    this.stopping ??= this.stopNow(reason, Number.POSITIVE_INFINITY).finally(() => this.afterStop());
    return this.stopping;
  }

  /**
   * SIGTERM: take no new tasks, give running ones `shutdownTimeoutMs` to finish, stop the rest,
   * report every result, unregister and close the link.
   */
  shutdown(reason = 'shutdown'): Promise<void> {
    this.stopping ??= this.stopNow(reason, this.options.config.shutdownTimeoutMs).finally(() => this.afterStop());
    return this.stopping;
  }

  /** A second signal: kill every task's container now and wait (briefly) for their removal. */
  async forceStop(): Promise<void> {
    for (const taskId of this.options.executor.activeTaskIds) {
      this.options.executor.abort(taskId, new TaskAbortReason('WORKER_SHUTDOWN', 0));
    }
    const done = [...this.tasks.values()].map((task) => task.done);
    await Promise.race([Promise.allSettled(done), sleep(5_000, undefined, { ref: false })]);
    await this.options.spool.spillAll().catch(() => undefined);
  }

  private async afterStop(): Promise<void> {
    try {
      await this.options.onStopped?.();
    } catch (error) {
      this.options.logger.warn('closing after stop failed', { error: describe(error) });
    }
  }

  private async stopNow(reason: string, finishWithinMs: number): Promise<void> {
    const { executor, config, logger, spool } = this.options;
    if (this.lifecycle === 'INITIALIZED') {
      this.transition('STOPPED');
      this.setConnection('SHUTDOWN');
      this.dialer.close();
      return;
    }
    this.transition('DRAINING');
    this.link?.beatNow();
    for (const record of this.tasks.values()) {
      if (this.queue.withdraw(record.taskId)) {
        void this.complete(record, stopOutcome('WORKER_SHUTDOWN', 'the worker is shutting down; the task did not start'));
      }
    }
    const running = (): Promise<unknown> => Promise.allSettled([...this.tasks.values()].map((task) => task.done));
    if (Number.isFinite(finishWithinMs)) {
      const finished = await Promise.race([running().then(() => true), sleep(finishWithinMs, false, { ref: false })]);
      if (!finished) {
        logger.warn('shutdown timeout: stopping the tasks still running', { tasks: executor.activeTaskIds.join(',') });
        for (const taskId of executor.activeTaskIds) {
          executor.abort(taskId, new TaskAbortReason('WORKER_SHUTDOWN', config.cancelGraceMs));
        }
      }
    }
    await running();
    // Results go out on the link while it is up; wait (bounded) for their acks.
    const deadline = Date.now() + config.rpcTimeoutMs;
    while (spool.size > 0 && this.link && Date.now() < deadline) await sleep(20);
    const kept = await spool.spillAll();
    if (spool.size > 0) logger.warn('results not acknowledged yet: kept on disk for the next start', { count: spool.size, spilledNow: kept });
    // Half-close the task stream, then end the loops.
    if (this.link) {
      this.link.outbox.close();
      await Promise.race([this.loopDone, sleep(config.rpcTimeoutMs, undefined, { ref: false })]);
    }
    this.stop.abort(new Error(reason));
    await this.loopDone?.catch(() => undefined);
    await this.background?.catch(() => undefined);
    if (this.id && !this.fatal) {
      try {
        await this.client.unregister({ agentId: this.id, reason }, { signal: AbortSignal.timeout(config.rpcTimeoutMs), metadata: this.agentMetadata() });
        logger.info('unregistered', { agentId: this.id, reason });
      } catch (error) {
        logger.warn('unregister failed', { error: describe(error) });
      }
    }
    this.dialer.close();
    this.registered?.reject(new Error(`worker stopped before it registered (${reason})`));
    this.setConnection('SHUTDOWN');
    this.transition('STOPPED');
  }

  private transition(to: WorkerState): void {
    const from = this.lifecycle;
    if (from === to) return;
    if (!canTransition(from, to)) throw new Error(`invalid worker state transition ${from} → ${to}`);
    this.lifecycle = to;
    this.options.logger.info('worker state', { from, to });
  }

  private setConnection(to: ConnectionState): void {
    const from = this.connection;
    if (from === to || from === 'SHUTDOWN') return;
    this.connection = to;
    this.options.logger.info('connection state', { from, to, orchestrator: this.options.config.orchestratorAddr });
    for (const listener of this.connectionListeners) listener(to);
  }

  private async connectionLoop(): Promise<void> {
    const { config, logger } = this.options;
    let attempts = 0;
    while (!this.stop.signal.aborted) {
      let registered = false;
      try {
        await this.session(() => {
          registered = true;
          attempts = 0;
        });
        if (!this.stop.signal.aborted) logger.warn('task stream ended by the orchestrator');
      } catch (error) {
        if (!this.stop.signal.aborted) logger.warn('orchestrator link failed', { addr: config.orchestratorAddr, error: describe(error) });
      }
      if (this.stop.signal.aborted || (this.lifecycle === 'DRAINING' && this.tasks.size === 0 && this.options.spool.size === 0)) break;
      this.setConnection('TRANSIENT_FAILURE');
      if (!registered) attempts++;
      if (config.reconnectMaxAttempts > 0 && attempts >= config.reconnectMaxAttempts) {
        this.fatal = new ReconnectExhaustedError(
          `could not reach the orchestrator at ${config.orchestratorAddr} after ${attempts} attempts`,
        );
        this.registered?.reject(this.fatal);
        if (this.lifecycle === 'RUNNING') this.transition('FAILED');
        return;
      }
      const delay = reconnectDelay(attempts + 1, config.reconnectIntervalMs, config.reconnectMaxIntervalMs, this.options.random);
      logger.info('reconnecting', { inMs: delay, attempt: attempts + 1 });
      this.options.metrics?.reconnect();
      await sleep(delay, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
  }

  /** One registration and task stream, until the link drops or the worker stops. */
  private async session(onRegistered: () => void): Promise<void> {
    const options = this.options;
    const { config, logger } = options;
    this.setConnection('CONNECTING');
    await waitForReady(this.dial(), config.dialTimeoutMs, this.stop.signal);
    const previous = this.id;
    const registration = await this.client.register(
      {
        name: config.name,
        hostname: options.hostname,
        pid: process.pid,
        version: options.version,
        group: config.group,
        labels: {
          ...config.labels,
          ...options.labels,
          ...platformLabels({ os: process.platform, arch: process.arch, runtimes: options.runtimes, tools: options.toolTypes }),
        },
        capabilities: {
          toolTypes: [...options.toolTypes],
          maxConcurrentTasks: config.maxConcurrentTasks,
          runtimes: [...options.runtimes],
        },
        agentId: previous ?? '',
        resumeToken: previous === undefined ? '' : (this.resumeToken ?? ''),
        bootId: options.bootId,
      },
      { signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(config.rpcTimeoutMs)]) },
    ).catch((error: unknown) => {
      if (previous !== undefined && error instanceof ClientError && error.code === Status.PERMISSION_DENIED) {
        // Our id is not ours any more (or the group key is wrong): the next attempt registers anew.
        logger.warn('the orchestrator refused to resume this worker\'s agent id; registering anew next', { agentId: previous, error: error.details });
        this.id = undefined;
        this.resumeToken = undefined;
      }
      throw error;
    });
    const agentId = registration.agentId;
    this.id = agentId;
    // An older orchestrator sends none (and asks for none).
    this.resumeToken = registration.resumeToken === '' ? undefined : registration.resumeToken;
    onRegistered();
    logger.info(registration.resumed ? 'registration resumed' : 'registered', {
      agentId,
      ...(previous && !registration.resumed ? { previousAgentId: previous } : {}),
      orchestrator: config.orchestratorAddr,
      tools: options.toolTypes.join(','),
      group: config.group,
    });

    const session = new AbortController();
    const signal = AbortSignal.any([this.stop.signal, session.signal]);
    const outbox = new Outbox<WorkerMessage>();
    const beat = new BeatSignal();
    const link: Link = { number: ++this.sessions, outbox, outputOffsets: registration.outputOffsets, beatNow: () => beat.ring() };
    this.link = link;
    const intervalMs = heartbeatInterval(config.heartbeatIntervalMs, registration.heartbeatIntervalMs);
    if (intervalMs !== config.heartbeatIntervalMs) {
      logger.info('heartbeating at the orchestrator\'s interval', { intervalMs, configuredMs: config.heartbeatIntervalMs });
    }
    const heartbeats = this.heartbeatLoop(agentId, intervalMs, signal, beat, () => session.abort(new Error('orchestrator forgot this worker')));
    try {
      await outbox.send({ taskId: '', leaseEpoch: 0, event: { $case: 'hello', hello: { agentId } } });
      const stream = this.client.taskStream(outbox.messages(), { signal, metadata: this.agentMetadata() });
      this.setConnection('READY');
      this.registered?.resolve(agentId);
      this.registered = undefined;
      void this.resendSpooled(link);
      for await (const message of stream) this.handle(message);
    } finally {
      if (this.link === link) this.link = undefined;
      session.abort(new Error('session over'));
      outbox.close();
      await heartbeats;
    }
  }

  /** Metadata of a call about this worker's own agent id: its worker key and resume token. */
  private agentMetadata(): Metadata {
    return agentCallMetadata(this.options.config.workerKey, this.resumeToken);
  }

  /** Results from before this session (an outage, a restart) go out again, whole. */
  private async resendSpooled(link: Link): Promise<void> {
    try {
      for await (const spooled of this.options.spool.all()) {
        if (this.link !== link) return;
        if (this.tasks.has(spooled.message.taskId)) continue; // finishing right now: sent by complete()
        await this.deliverWhole(link, spooled);
      }
    } catch (error) {
      this.options.logger.error('could not resend stored results', { error: describe(error) });
    }
  }

  /** Beats every `intervalMs` (chosen at registration by heartbeatInterval) until `signal`. */
  private async heartbeatLoop(agentId: string, intervalMs: number, signal: AbortSignal, beat: BeatSignal, forgotten: () => void): Promise<void> {
    const { config, logger, engineHealth, spool } = this.options;
    while (!signal.aborted) {
      try {
        const leases = [
          ...[...this.tasks.values()].map(({ taskId, leaseEpoch }) => ({ taskId, leaseEpoch })),
          ...spool.leases().filter(({ taskId }) => !this.tasks.has(taskId)),
        ];
        const { known } = await this.client.heartbeat(
          {
            agentId,
            activeTaskIds: this.activeTaskIds,
            timestampMs: Date.now(),
            draining: this.lifecycle !== 'RUNNING',
            healthy: engineHealth?.healthy ?? true,
            healthDetail: engineHealth?.detail ?? '',
            leases,
          },
          { signal: AbortSignal.any([signal, AbortSignal.timeout(config.rpcTimeoutMs)]), metadata: this.agentMetadata() },
        );
        if (!known) {
          // The id and token stay: registering with them lets a restarted orchestrator see that
          // this worker holds the leases it stored under that id, and give them back.
          logger.warn('orchestrator does not know this worker any more; registering again', { agentId });
          forgotten();
          return;
        }
      } catch (error) {
        if (signal.aborted) return;
        logger.warn('heartbeat failed', { error: describe(error) });
      }
      await beat.wait(intervalMs, signal);
    }
  }

  private handle(message: OrchestratorMessage): void {
    const { taskId, command } = message;
    if (!command) return;
    switch (command.$case) {
      case 'assign': {
        const { task, leaseEpoch, attempt } = command.assign;
        this.accept(taskId, leaseEpoch, attempt, task);
        return;
      }
      case 'cancel': {
        const record = this.tasks.get(taskId);
        if (record && this.queue.withdraw(taskId)) {
          void this.complete(record, stopOutcome('CANCELLED', 'the task was cancelled before it started'));
        } else {
          this.options.executor.cancelTask(taskId, { force: command.cancel.force, kind: 'ORCHESTRATOR_CANCEL' });
        }
        return;
      }
      case 'ack': {
        void this.options.spool.ack(taskId, command.ack.leaseEpoch).then((known) => {
          if (known && !command.ack.accepted) {
            this.options.logger.warn('orchestrator refused a result (its lease was taken away)', { taskId, leaseEpoch: command.ack.leaseEpoch });
          }
        });
        return;
      }
    }
  }

  private accept(taskId: string, leaseEpoch: number, attempt: number, task: Task | undefined): void {
    const { logger, executor } = this.options;
    // The orchestrator is trusted to assign work, not to be well formed: a result can only be
    // addressed by its task id, and the protocol has no message for "your assignment had none"
    // (WorkerMessage.task_id empty is the stream's hello). So an assignment without a usable
    // task id is logged and dropped, with nothing run, spooled or sent; the link goes on.
    if (!isAddressableTaskId(taskId)) {
      logger.warn('assignment without a usable task id dropped: nothing run, no result sent', {
        taskId: JSON.stringify(taskId.slice(0, 64)),
        length: taskId.length,
        leaseEpoch,
      });
      return;
    }
    const record: TaskRecord = { taskId, leaseEpoch, attempt, tool: task?.toolType ?? '', session: this.link?.number };
    if (!task) {
      void this.complete(record, makeOutcome('FAILED', { durationMs: 0, runtime: '', error: { code: 'INVALID_PARAMS', message: 'assignment without a task' } }));
      return;
    }
    const existing = this.tasks.get(taskId);
    if (existing) {
      if (existing.leaseEpoch === leaseEpoch) return; // the same assignment again after a reconnect
      logger.warn('task assigned again under a newer lease while the old run goes on', { taskId, leaseEpoch });
      return;
    }
    if (this.lifecycle !== 'RUNNING') {
      void this.complete(record, stopOutcome('WORKER_SHUTDOWN', 'the worker is draining and takes no new tasks'));
      return;
    }
    this.tasks.set(taskId, record);
    const output = this.options.spool.outputLog(taskId, leaseEpoch);
    record.output = output;
    record.recordFiles = this.options.taskRecords?.begin(taskId, { tool: task.toolType, attempt, leaseEpoch });
    record.coalescer = new OutputCoalescer((stream, data) => this.sendOutput(record, output, stream, data));
    void this.send(record, { $case: 'accepted', accepted: { queuePosition: this.queue.queued } });
    logger.info('task accepted', { taskId, tool: task.toolType, leaseEpoch, attempt });
    record.done = this.queue
      .run(taskId, async () => {
        record.startedAt = performance.now();
        const outcome = await executor.run(taskId, task, { onProgress: (event) => this.progress(record, event) });
        this.options.metrics?.taskRan(task.toolType, outcome.durationMs);
        try {
          await record.coalescer?.flush();
        } catch (error) {
          logger.error('could not keep the output of a task', { taskId, error: describe(error) });
        }
        logger.info('task finished', {
          taskId,
          tool: task.toolType,
          state: outcome.state,
          cause: outcome.cause,
          exitCode: outcome.exitCode,
          durationMs: outcome.durationMs,
        });
        await this.complete(record, outcome);
      })
      .catch(async (error: unknown) => {
        logger.error('task runner failed', { taskId, error: describe(error) });
        // Never answered: fail it, rather than heartbeat its lease for ever.
        if (this.tasks.get(taskId) !== record) return;
        const durationMs = record.startedAt === undefined ? 0 : Math.round(performance.now() - record.startedAt);
        const failed = makeOutcome('FAILED', { durationMs, runtime: '', error: { code: 'INTERNAL', message: 'internal error in the worker (its log says more)' } });
        await this.complete(record, failed).catch((again: unknown) => {
          logger.error('could not report the failure of a task', { taskId, error: describe(again) });
        });
      });
  }

  private progress(record: TaskRecord, event: TaskProgress): Promise<void> {
    const { metrics } = this.options;
    if (event.type === 'running') {
      if (record.startedAt !== undefined) metrics?.containerStarted(performance.now() - record.startedAt);
      return this.send(record, { $case: 'running', running: event });
    }
    metrics?.output(event.stream, event.data.length);
    // Resolves once the chunk is kept and (when a whole chunk is ready) the link has room: a slow
    // link pauses the executor, and with it the container's output stream.
    return record.coalescer?.push(event.stream, event.data) ?? Promise.resolve();
  }

  /** A coalesced chunk: kept for resends, and sent on the task's session while it is intact. */
  private async sendOutput(record: TaskRecord, log: OutputLog, stream: OutputStreamName, data: Buffer): Promise<void> {
    const offset = log.length(stream);
    record.recordFiles?.output(stream, data);
    await Promise.all([log.append(stream, data), this.send(record, { $case: 'output', output: { stream: WIRE_STREAM[stream], data, offset } })]);
  }

  /**
   * A spooled result whose output the orchestrator may have missed: its output again as chunks
   * from offset 0 (the orchestrator keeps what it lacks), then the result without output; to an
   * orchestrator that does not place chunks by offset, one message with the output inside.
   */
  private async deliverWhole(link: Link, { message, output }: SpooledResult): Promise<void> {
    const completed = message.event?.$case === 'completed' ? message.event.completed : undefined;
    if (output === undefined || completed === undefined || completed.outputIncluded) {
      await link.outbox.send(message);
      return;
    }
    const { taskId, leaseEpoch } = message;
    if (!link.outputOffsets) {
      const streams: Record<OutputStreamName, Buffer[]> = { stdout: [], stderr: [] };
      for await (const chunk of output.chunks()) streams[chunk.stream].push(chunk.data);
      const whole = { ...completed, stdout: Buffer.concat(streams.stdout), stderr: Buffer.concat(streams.stderr), outputIncluded: true };
      await link.outbox.send({ taskId, leaseEpoch, event: { $case: 'completed', completed: whole } });
      return;
    }
    for await (const { stream, data, offset } of output.chunks()) {
      if (this.link !== link) return; // the next session sends it all again
      await link.outbox.send({ taskId, leaseEpoch, event: { $case: 'output', output: { stream: WIRE_STREAM[stream], data, offset } } });
    }
    await link.outbox.send(message);
  }

  /** Sends on the session the task has used so far; a message that cannot go marks the task's output incomplete. */
  private async send(record: TaskRecord, event: NonNullable<WorkerMessage['event']>): Promise<void> {
    const link = this.link;
    if (!link || record.session !== link.number) {
      record.session = undefined;
      return;
    }
    await link.outbox.send({ taskId: record.taskId, leaseEpoch: record.leaseEpoch, event });
  }

  /** Delivers the result, then (--task-records) finishes the task's record behind it. */
  private async complete(record: TaskRecord, outcome: TaskOutcome): Promise<void> {
    const finishedAt = Date.now();
    const startedAt = record.startedAt === undefined ? undefined : Math.round(finishedAt - (performance.now() - record.startedAt));
    const recordFiles =
      record.recordFiles ??
      this.options.taskRecords?.begin(record.taskId, { tool: record.tool, attempt: record.attempt, leaseEpoch: record.leaseEpoch });
    try {
      await this.deliver(record, outcome);
    } finally {
      // Behind the result, never in its way (it logs its own failures).
      void recordFiles?.finish(outcome, { finishedAt, ...(startedAt === undefined ? {} : { startedAt }) });
    }
  }

  /**
   * Spools the whole result until the orchestrator acks it, and sends it: without the output when
   * every chunk went out on the live session, whole otherwise (or on the next session).
   */
  private async deliver(record: TaskRecord, outcome: TaskOutcome): Promise<void> {
    if (this.tasks.get(record.taskId) === record) this.tasks.delete(record.taskId);
    this.options.metrics?.taskFinished(record.tool, outcome);
    record.coalescer?.close();
    const spooled: SpooledResult = { message: this.resultMessage(record, outcome), output: record.output };
    try {
      await this.options.spool.add(spooled.message, record.output);
    } catch (error) {
      this.options.logger.error('could not store a result', { taskId: record.taskId, error: describe(error) });
    }
    const link = this.link;
    if (!link) return; // delivered by resendSpooled() on the next session
    if (record.session === link.number) await link.outbox.send(spooled.message);
    else await this.deliverWhole(link, spooled);
  }

  /** The `completed` message, without the output (it went, or goes again, as chunks). */
  private resultMessage(record: TaskRecord, outcome: TaskOutcome): WorkerMessage {
    return {
      taskId: record.taskId,
      leaseEpoch: record.leaseEpoch,
      event: {
        $case: 'completed',
        completed: {
          state: STATE_TO_WIRE[outcome.state],
          exitCode: outcome.exitCode,
          stdout: Buffer.alloc(0),
          stderr: Buffer.alloc(0),
          stdoutTruncated: outcome.stdoutTruncated,
          stderrTruncated: outcome.stderrTruncated,
          durationMs: outcome.durationMs,
          error: outcome.error,
          worker: this.options.config.name,
          runtime: outcome.runtime,
          profile: outcome.profile,
          cause: outcome.cause,
          retryable: outcome.retryable,
          outputIncluded: false,
          attempt: record.attempt,
        },
      },
    };
  }

  private async reapLoop(reaper: ContainerReaper): Promise<void> {
    const { reapIntervalMs } = this.options.config;
    while (!this.stop.signal.aborted) {
      await sleep(reapIntervalMs, undefined, { signal: this.stop.signal }).catch(() => undefined);
      if (!this.stop.signal.aborted) await this.reap(reaper);
    }
  }

  private async reap(reaper: ContainerReaper): Promise<void> {
    const { logger } = this.options;
    try {
      const { removed, failed } = await reaper.reapOnce();
      for (const container of removed) logger.warn('removed an orphaned container', { ...container });
      for (const { id, error } of failed) logger.error('could not remove an orphaned container', { id, error: describe(error) });
    } catch (error) {
      logger.warn('orphan sweep failed', { error: describe(error) });
    }
  }
}

/** Wakes a waiting heartbeat loop early. */
class BeatSignal {
  private wake: (() => void) | undefined;

  ring(): void {
    this.wake?.();
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    const woken = new AbortController();
    this.wake = () => woken.abort();
    await sleep(ms, undefined, { signal: AbortSignal.any([signal, woken.signal]) }).catch(() => undefined);
    this.wake = undefined;
  }
}

function stopOutcome(code: 'WORKER_SHUTDOWN' | 'CANCELLED', message: string): TaskOutcome {
  return makeOutcome('CANCELLED', { durationMs: 0, runtime: '', error: { code, message } });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
