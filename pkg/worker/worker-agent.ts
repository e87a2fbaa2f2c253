import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OrchestratorMessage } from '../gen/agent/v1/agent.js';
import { AgentIdentityFile } from './agent-identity-file.js';
import { Assignments } from './assignments.js';
import type { ConnectionState } from './connection-state.js';
import { describeError } from './describe-error.js';
import { OrchestratorLink } from './orchestrator-link.js';
import { OrphanReapLoop } from './orphan-reap-loop.js';
import { ResultDelivery } from './result-delivery.js';
import { TaskAbortReason } from './task-abort-reason.js';
import type { WorkerAgentOptions } from './worker-agent-options.js';
import { canTransition, type WorkerState } from './worker-state.js';

export type { WorkerAgentOptions } from './worker-agent-options.js';

/** In the work dir: the agent id and resume token a new boot of this worker resumes (agent-identity-file.ts). */
const AGENT_IDENTITY_FILE = 'agent-identity.json';

/**
 * A worker beside its orchestrator: the link (orchestrator-link.ts) registers, heartbeats and
 * reconnects; the assignments (assignments.ts) run what the orchestrator assigns; result
 * delivery (result-delivery.ts) keeps every result until it is acknowledged, so none is lost
 * while the orchestrator is away. This class holds the worker's lifecycle (worker-state.ts):
 * start, drain, shutdown.
 */
export class WorkerAgent {
  private lifecycle: WorkerState = 'INITIALIZED';
  private readonly link: OrchestratorLink;
  private readonly assignments: Assignments;
  private readonly delivery: ResultDelivery;
  private readonly reapLoop: OrphanReapLoop | undefined;
  /** Ends the connection loop and the background loops. */
  private readonly stop = new AbortController();
  private background: Promise<unknown> | undefined;
  private loopDone: Promise<void> | undefined;
  private fatal: Error | undefined;
  private stopping: Promise<void> | undefined;
  /**
   * The worker decided to stop (shutdown() was called, or a drain's tasks are done): the link
   * registers no more; results not acknowledged stay in the spool for the next start.
   */
  private leaving = false;
  private registered: { resolve: (id: string) => void; reject: (error: Error) => void } | undefined;

  constructor(private readonly options: WorkerAgentOptions) {
    const { config, spool, logger, metrics, engineHealth } = options;
    const session = () => this.link.session;
    this.delivery = new ResultDelivery({
      spool,
      logger,
      workerName: config.name,
      session,
      isAssigned: (taskId) => this.assignments.has(taskId),
      ...(metrics ? { metrics } : {}),
    });
    this.assignments = new Assignments({
      maxConcurrentTasks: config.maxConcurrentTasks,
      executor: options.executor,
      spool,
      delivery: this.delivery,
      logger,
      session,
      accepting: () => this.lifecycle === 'RUNNING',
      ...(metrics ? { metrics } : {}),
      ...(options.taskRecords ? { taskRecords: options.taskRecords } : {}),
    });
    this.link = new OrchestratorLink({
      config,
      logger,
      hostname: options.hostname,
      version: options.version,
      bootId: options.bootId,
      toolTypes: options.toolTypes,
      runtimes: options.runtimes,
      ...(options.labels ? { labels: options.labels } : {}),
      ...(metrics ? { metrics } : {}),
      ...(options.channel ? { channel: options.channel } : {}),
      ...(options.random ? { random: options.random } : {}),
      identityFile: new AgentIdentityFile(join(config.workDir, AGENT_IDENTITY_FILE)),
      hooks: {
        onReady: (agentId) => {
          this.registered?.resolve(agentId);
          this.registered = undefined;
        },
        onSession: (current) => {
          this.assignments.resume(current);
          void this.delivery.resend(current);
        },
        onMessage: (message) => this.handle(message),
        onStreamFailed: (failed) => void this.delivery.streamFailed(failed),
        leases: () => [...this.assignments.leases(), ...spool.leases().filter(({ taskId }) => !this.assignments.has(taskId))],
        activeTaskIds: () => this.assignments.taskIds,
        revoked: (leases) => void this.assignments.revoke(leases),
        draining: () => this.lifecycle !== 'RUNNING',
        ...(engineHealth ? { engine: engineHealth } : {}),
        ...(options.health ? { health: options.health } : {}),
        finished: () => this.leaving || (this.lifecycle === 'DRAINING' && this.assignments.size === 0 && spool.size === 0),
      },
    });
    this.reapLoop = options.reaper ? new OrphanReapLoop(options.reaper, config.reapIntervalMs, logger) : undefined;
  }

  get state(): WorkerState {
    return this.lifecycle;
  }

  get connectionState(): ConnectionState {
    return this.link.state;
  }

  /** Called on every change of the connection state; returns an unsubscribe function. */
  onConnectionStateChange(listener: (state: ConnectionState) => void): () => void {
    return this.link.onStateChange(listener);
  }

  /** The id the orchestrator gave at the last registration. */
  get agentId(): string | undefined {
    return this.link.agentId;
  }

  /** Tasks queued or running here. */
  get activeTaskIds(): string[] {
    return this.assignments.taskIds;
  }

  /** Tasks running here now. */
  get runningTasks(): number {
    return this.assignments.running;
  }

  /** Tasks accepted here and waiting for a free slot. */
  get queuedTasks(): number {
    return this.assignments.queued;
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
    const { logger, spool, engineHealth } = this.options;
    try {
      const loaded = await spool.load();
      if (loaded > 0) logger.info('results from an earlier run to deliver', { count: loaded });
      await this.reapLoop?.reapOnce();
    } catch (error) {
      this.fail(error);
      return;
    }
    const signal = this.stop.signal;
    this.background = Promise.all([
      engineHealth?.run(signal),
      this.reapLoop?.run(signal),
      this.options.taskRecords?.run(signal),
      this.delivery.run(signal),
    ]);
    try {
      await this.link.run(signal);
    } catch (error) {
      this.fail(error);
      if (this.lifecycle === 'RUNNING') this.transition('FAILED');
    }
  }

  /** The first fatal error wins: done() throws it, and start() rejects with it before registration. */
  private fail(error: unknown): void {
    this.fatal = error instanceof Error ? error : new Error(String(error));
    this.registered?.reject(this.fatal);
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
    this.leaving = true;
    this.stopping ??= this.stopNow(reason, this.options.config.shutdownTimeoutMs).finally(() => this.afterStop());
    return this.stopping;
  }

  /** A second signal: kill every task's container now and wait (briefly) for their removal. */
  async forceStop(): Promise<void> {
    for (const taskId of this.options.executor.activeTaskIds) {
      this.options.executor.abort(taskId, new TaskAbortReason('WORKER_SHUTDOWN', 0));
    }
    await Promise.race([this.assignments.settled(), sleep(5_000, undefined, { ref: false })]);
    await this.options.spool.spillAll().catch(() => undefined);
  }

  private handle({ taskId, command }: OrchestratorMessage): void {
    switch (command?.$case) {
      case 'assign':
        this.assignments.accept(taskId, command.assign.leaseEpoch, command.assign.attempt, command.assign.task);
        return;
      case 'cancel':
        this.assignments.cancel(taskId, command.cancel);
        return;
      case 'ack':
        void this.delivery.ack(taskId, command.ack.leaseEpoch, command.ack.accepted);
        return;
    }
  }

  private async afterStop(): Promise<void> {
    try {
      await this.options.onStopped?.();
    } catch (error) {
      this.options.logger.warn('closing after stop failed', { error: describeError(error) });
    }
  }

  private async stopNow(reason: string, finishWithinMs: number): Promise<void> {
    const { executor, config, logger, spool } = this.options;
    if (this.lifecycle === 'INITIALIZED') {
      this.transition('STOPPED');
      this.link.close();
      return;
    }
    this.transition('DRAINING');
    this.link.session?.beatNow();
    this.assignments.withdrawQueued('the worker is shutting down; the task did not start');
    if (Number.isFinite(finishWithinMs)) {
      const finished = await Promise.race([this.assignments.settled().then(() => true), sleep(finishWithinMs, false, { ref: false })]);
      if (!finished) {
        logger.warn('shutdown timeout: stopping the tasks still running', { tasks: executor.activeTaskIds.join(',') });
        for (const taskId of executor.activeTaskIds) {
          executor.abort(taskId, new TaskAbortReason('WORKER_SHUTDOWN', config.cancelGraceMs));
        }
      }
    }
    await this.assignments.settled();
    // Results go out on the link while it is up; wait (bounded) for their acks.
    const deadline = Date.now() + config.rpcTimeoutMs;
    while (spool.size > 0 && this.link.session && Date.now() < deadline) await sleep(20);
    const kept = await spool.spillAll();
    if (spool.size > 0) logger.warn('results not acknowledged yet: kept on disk for the next start', { count: spool.size, spilledNow: kept });
    // Half-close the task stream, then end the loops; no registration from here on.
    this.leaving = true;
    const session = this.link.session;
    if (session) {
      session.close();
      await Promise.race([this.loopDone, sleep(config.rpcTimeoutMs, undefined, { ref: false })]);
    }
    this.stop.abort(new Error(reason));
    await this.loopDone?.catch(() => undefined);
    await this.background?.catch(() => undefined);
    if (!this.fatal) await this.link.unregister(reason);
    this.link.close();
    this.registered?.reject(new Error(`worker stopped before it registered (${reason})`));
    this.transition('STOPPED');
  }

  private transition(to: WorkerState): void {
    const from = this.lifecycle;
    if (from === to) return;
    if (!canTransition(from, to)) throw new Error(`invalid worker state transition ${from} → ${to}`);
    this.lifecycle = to;
    this.options.logger.info('worker state', { from, to });
  }
}
