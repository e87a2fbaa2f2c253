import { setTimeout as sleep, setInterval as every } from 'node:timers/promises';
import { createClient, type Channel } from 'nice-grpc';
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
import { createGrpcChannel } from '../rpc/create-channel.js';
import { waitForReady } from '../rpc/wait-for-ready.js';
import { Outbox } from './outbox.js';
import { TaskAbortReason } from './task-abort-reason.js';
import type { TaskExecutor } from './task-executor.js';
import type { FinalState, TaskOutcome } from './task-outcome.js';
import { TaskQueue } from './task-queue.js';
import { canTransition, type WorkerState } from './worker-state.js';

export interface WorkerAgentOptions {
  readonly config: WorkerConfig;
  readonly executor: TaskExecutor;
  /** Tool types this worker really serves (their images are present). */
  readonly toolTypes: readonly string[];
  readonly runtimes: readonly string[];
  readonly logger: Logger;
  readonly version: string;
  readonly hostname: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** For tests: a channel to use instead of dialling config.orchestratorAddr. */
  readonly channel?: Channel;
}

/** Reconnect attempts ran out (`--reconnect-max-attempts`). */
export class ReconnectExhaustedError extends Error {
  override readonly name = 'ReconnectExhaustedError';
}

const STATE_TO_WIRE: Readonly<Record<FinalState, TaskState>> = {
  COMPLETED: TaskState.TASK_STATE_COMPLETED,
  FAILED: TaskState.TASK_STATE_FAILED,
  TIMEOUT: TaskState.TASK_STATE_TIMEOUT,
  CANCELLED: TaskState.TASK_STATE_CANCELLED,
};

/**
 * The worker's link to its orchestrator: registers, heartbeats, takes tasks from the task
 * stream, runs them through the executor (at most maxConcurrentTasks at once) and reports their
 * progress; reconnects by itself; unregisters on shutdown.
 */
export class WorkerAgent {
  private currentState: WorkerState = 'INITIALIZED';
  private id: string | undefined;
  private readonly channel: Channel;
  private readonly client: AgentServiceClient;
  private readonly queue: TaskQueue;
  private readonly stop = new AbortController();
  private readonly inFlight = new Map<string, Promise<void>>();
  private loopDone: Promise<void> | undefined;
  private fatal: Error | undefined;
  private outbox: Outbox<WorkerMessage> | undefined;
  private shuttingDown: Promise<void> | undefined;
  private registered: { resolve: (id: string) => void; reject: (error: Error) => void } | undefined;

  constructor(private readonly options: WorkerAgentOptions) {
    const { config } = options;
    this.channel =
      options.channel ??
      createGrpcChannel(config.orchestratorAddr, {
        maxRecvMsgSize: config.maxRecvMsgSize,
        maxSendMsgSize: config.maxSendMsgSize,
      });
    this.client = createClient(AgentServiceDefinition, this.channel);
    this.queue = new TaskQueue(config.maxConcurrentTasks);
  }

  get state(): WorkerState {
    return this.currentState;
  }

  /** The id the orchestrator gave at the last registration. */
  get agentId(): string | undefined {
    return this.id;
  }

  get activeTaskIds(): string[] {
    return [...this.inFlight.keys()];
  }

  /**
   * Starts the connection loop; resolves with the agent id once registered. The loop goes on
   * in the background (reconnecting as needed) until shutdown(); `done` settles when it ends.
   */
  start(): Promise<string> {
    if (this.currentState !== 'INITIALIZED') throw new Error(`start() may be called once (state ${this.currentState})`);
    const first = new Promise<string>((resolve, reject) => {
      this.registered = { resolve, reject };
    });
    this.transition('CONNECTING');
    this.loopDone = this.connectionLoop();
    return first;
  }

  /** Settles when the connection loop has ended: resolves after shutdown, rejects on a fatal error. */
  async done(): Promise<void> {
    await this.loopDone;
    if (this.fatal) throw this.fatal;
  }

  /** Cancels running tasks, reports their results, unregisters and closes the link. */
  shutdown(reason = 'shutdown'): Promise<void> {
    this.shuttingDown ??= this.stopNow(reason);
    return this.shuttingDown;
  }

  private async stopNow(reason: string): Promise<void> {
    this.transition('STOPPING');
    const { executor, config, logger } = this.options;
    for (const taskId of executor.activeTaskIds) {
      executor.abort(taskId, new TaskAbortReason('WORKER_SHUTDOWN', config.cancelGraceMs));
    }
    await Promise.allSettled(this.inFlight.values());
    // Half-close the task stream so that the results above are flushed, then end the loop.
    if (this.outbox) {
      this.outbox.close();
      const flushed = new AbortController();
      await Promise.race([this.loopDone, sleep(config.rpcTimeoutMs, undefined, { signal: flushed.signal }).catch(() => undefined)]);
      flushed.abort();
    }
    this.stop.abort(new Error(reason));
    await this.loopDone?.catch(() => undefined);
    if (this.id) {
      try {
        await this.client.unregister({ agentId: this.id, reason }, { signal: AbortSignal.timeout(config.rpcTimeoutMs) });
        logger.info('unregistered', { agentId: this.id, reason });
      } catch (error) {
        logger.warn('unregister failed', { error: describe(error) });
      }
    }
    this.channel.close();
    this.registered?.reject(new Error(`worker stopped before it registered (${reason})`));
    this.transition('STOPPED');
  }

  private stopping(): boolean {
    return this.stop.signal.aborted || this.currentState === 'STOPPING';
  }

  private transition(to: WorkerState): void {
    const from = this.currentState;
    if (from === to) return;
    if (!canTransition(from, to)) throw new Error(`invalid worker state transition ${from} → ${to}`);
    this.currentState = to;
    this.options.logger.info('worker state', { from, to });
  }

  private async connectionLoop(): Promise<void> {
    const { config, logger } = this.options;
    let attempts = 0;
    while (!this.stopping()) {
      let registered = false;
      try {
        await this.session(() => {
          registered = true;
          attempts = 0;
        });
      } catch (error) {
        if (this.stopping()) break;
        logger.warn('orchestrator link failed', { addr: config.orchestratorAddr, error: describe(error) });
      }
      if (this.stopping()) break;
      if (!registered) attempts++;
      if (config.reconnectMaxAttempts > 0 && attempts >= config.reconnectMaxAttempts) {
        this.fatal = new ReconnectExhaustedError(
          `could not reach the orchestrator at ${config.orchestratorAddr} after ${attempts} attempts`,
        );
        this.registered?.reject(this.fatal);
        this.transition('FAILED');
        return;
      }
      if (this.currentState === 'RUNNING') this.transition('CONNECTING');
      logger.info('reconnecting', { inMs: config.reconnectIntervalMs, attempt: attempts + 1 });
      await sleep(config.reconnectIntervalMs, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
  }

  /** One registration and task stream, until the link drops or the worker stops. */
  private async session(onRegistered: () => void): Promise<void> {
    const { config, logger, executor } = this.options;
    await waitForReady(this.channel, config.dialTimeoutMs, this.stop.signal);
    const registration = await this.client.register(
      {
        name: config.name,
        hostname: this.options.hostname,
        pid: process.pid,
        version: this.options.version,
        labels: { ...this.options.labels },
        capabilities: {
          toolTypes: [...this.options.toolTypes],
          maxConcurrentTasks: config.maxConcurrentTasks,
          runtimes: [...this.options.runtimes],
        },
      },
      { signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(config.rpcTimeoutMs)]) },
    );
    const agentId = registration.agentId;
    this.id = agentId;
    onRegistered();
    logger.info('registered', { agentId, orchestrator: config.orchestratorAddr, tools: this.options.toolTypes.join(',') });
    if (this.currentState === 'CONNECTING') this.transition('RUNNING');
    this.registered?.resolve(agentId);
    this.registered = undefined;

    const session = new AbortController();
    const sessionSignal = AbortSignal.any([this.stop.signal, session.signal]);
    const outbox = new Outbox<WorkerMessage>();
    this.outbox = outbox;
    const heartbeats = this.heartbeatLoop(agentId, sessionSignal, () => session.abort(new Error('orchestrator forgot this worker')));
    try {
      await outbox.send({ taskId: '', event: { $case: 'hello', hello: { agentId } } });
      for await (const message of this.client.taskStream(outbox.messages(), { signal: sessionSignal })) {
        this.handle(message, outbox);
      }
      if (!outbox.closed) logger.warn('task stream ended by the orchestrator');
    } finally {
      session.abort(new Error('session over'));
      // Tasks cannot report anywhere any more: stop their containers now.
      for (const taskId of executor.activeTaskIds) {
        executor.abort(taskId, new TaskAbortReason('CONNECTION_LOST', 0));
      }
      outbox.close();
      this.outbox = undefined;
      await heartbeats;
    }
  }

  private async heartbeatLoop(agentId: string, signal: AbortSignal, forgotten: () => void): Promise<void> {
    const { config, logger } = this.options;
    try {
      for await (const _ of every(config.heartbeatIntervalMs, undefined, { signal })) {
        try {
          const { known } = await this.client.heartbeat(
            { agentId, activeTaskIds: this.activeTaskIds, timestampMs: Date.now() },
            { signal: AbortSignal.any([signal, AbortSignal.timeout(config.rpcTimeoutMs)]) },
          );
          if (!known) {
            logger.warn('orchestrator does not know this worker any more; registering again', { agentId });
            forgotten();
            return;
          }
        } catch (error) {
          if (signal.aborted) return;
          logger.warn('heartbeat failed', { error: describe(error) });
        }
      }
    } catch {
      // aborted: the session is over
    }
  }

  private handle(message: OrchestratorMessage, outbox: Outbox<WorkerMessage>): void {
    const { taskId, command } = message;
    if (!command) return;
    if (command.$case === 'assign') {
      this.accept(taskId, command.assign.task, outbox);
    } else {
      const force = command.cancel.force;
      if (this.queue.withdraw(taskId)) {
        this.inFlight.delete(taskId);
        void this.report(outbox, taskId, {
          state: 'CANCELLED',
          exitCode: -1,
          stdoutTruncated: false,
          stderrTruncated: false,
          durationMs: 0,
          runtime: '',
          error: { code: 'CANCELLED', message: 'the task was cancelled before it started' },
        });
      } else {
        this.options.executor.cancelTask(taskId, { force, kind: 'ORCHESTRATOR_CANCEL' });
      }
    }
  }

  private accept(taskId: string, task: Task | undefined, outbox: Outbox<WorkerMessage>): void {
    const { logger, executor } = this.options;
    const refuse = (code: 'INVALID_PARAMS' | 'WORKER_SHUTDOWN', text: string): void => {
      void this.report(outbox, taskId, {
        state: 'FAILED',
        exitCode: -1,
        stdoutTruncated: false,
        stderrTruncated: false,
        durationMs: 0,
        runtime: '',
        error: { code, message: text },
      });
    };
    if (!task || taskId === '') return refuse('INVALID_PARAMS', 'assignment without a task or task id');
    if (this.inFlight.has(taskId)) return refuse('INVALID_PARAMS', `task ${taskId} is already assigned to this worker`);
    if (this.currentState === 'STOPPING') return refuse('WORKER_SHUTDOWN', 'the worker is shutting down');

    void outbox.send({ taskId, event: { $case: 'accepted', accepted: { queuePosition: this.queue.queued } } });
    logger.info('task accepted', { taskId, tool: task.toolType });
    const done = this.queue
      .run(taskId, async () => {
        const outcome = await executor.run(taskId, task, {
          onProgress: (event) =>
            event.type === 'running'
              ? outbox.send({ taskId, event: { $case: 'running', running: event } })
              : outbox.send({
                  taskId,
                  event: {
                    $case: 'output',
                    output: {
                      stream: event.stream === 'stdout' ? OutputStream.OUTPUT_STREAM_STDOUT : OutputStream.OUTPUT_STREAM_STDERR,
                      data: event.data,
                    },
                  },
                }),
        });
        logger.info('task finished', {
          taskId,
          tool: task.toolType,
          state: outcome.state,
          exitCode: outcome.exitCode,
          durationMs: outcome.durationMs,
          ...(outcome.error ? { error: outcome.error.code } : {}),
        });
        await this.report(outbox, taskId, outcome);
      })
      .catch((error: unknown) => {
        logger.error('task runner failed', { taskId, error: describe(error) });
      })
      .finally(() => this.inFlight.delete(taskId));
    this.inFlight.set(taskId, done);
  }

  private report(outbox: Outbox<WorkerMessage>, taskId: string, outcome: TaskOutcome): Promise<void> {
    return outbox.send({
      taskId,
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
        },
      },
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
