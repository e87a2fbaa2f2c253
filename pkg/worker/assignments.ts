import type { CancelCommand, Lease, Task, WorkerMessage } from '../gen/agent/v1/agent.js';
import type { Logger } from '../log/index.js';
import type { AssignedTask } from './assigned-task.js';
import { decideCancel } from './decide-cancel.js';
import { describeError } from './describe-error.js';
import { isAddressableTaskId } from './is-addressable-task-id.js';
import { OutputCoalescer } from './output-coalescer.js';
import type { OutputLog, OutputStreamName } from './output-log.js';
import { RememberedCancels } from './remembered-cancels.js';
import type { ResultDelivery } from './result-delivery.js';
import type { ResultSpool } from './result-spool.js';
import { sessionRefusal } from './session-refusal.js';
import { makeOutcome, type RunOutcome, type TaskProgress } from './run-outcome.js';
import type { StreamSession } from './stream-session.js';
import { TaskAbortReason } from './task-abort-reason.js';
import type { TaskExecutor } from './task-executor.js';
import { TaskQueue } from './task-queue.js';
import type { TaskRecords } from './task-records.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface AssignmentsOptions {
  readonly maxConcurrentTasks: number;
  readonly executor: TaskExecutor;
  /** Gives each task its output log (kept with the result until it is acknowledged). */
  readonly spool: ResultSpool;
  readonly delivery: ResultDelivery;
  readonly logger: Logger;
  readonly metrics?: WorkerMetrics;
  readonly taskRecords?: TaskRecords;
  /** The task stream open now, if any. */
  readonly session: () => StreamSession | undefined;
  /** False once the worker drains or stops: new assignments are refused (WORKER_SHUTDOWN). */
  readonly accepting: () => boolean;
  /** Cancels that came before their assignment (a new set unless given). */
  readonly rememberedCancels?: RememberedCancels;
}

/**
 * The assignments this worker holds: takes them from the task stream, runs them through the
 * executor (at most maxConcurrentTasks at once, the rest waiting in order), cancels them on
 * request, streams their progress on the session they started on, and hands each result to
 * delivery.
 */
export class Assignments {
  private readonly tasks = new Map<string, AssignedTask>();
  /** Tasks whose result is on its way to the spool: task id → lease epoch. */
  private readonly finishing = new Map<string, number>();
  /** Finishing tasks assigned again under a newer lease: their result goes under it once spooled. */
  private readonly adoptions = new Map<string, { leaseEpoch: number; attempt: number }>();
  /** Finishing tasks whose lease was revoked meanwhile: task id → epoch; their result is dropped once spooled. */
  private readonly revokedFinishing = new Map<string, number>();
  private readonly queue: TaskQueue;
  private readonly remembered: RememberedCancels;

  constructor(private readonly options: AssignmentsOptions) {
    this.queue = new TaskQueue(options.maxConcurrentTasks);
    this.remembered = options.rememberedCancels ?? new RememberedCancels();
  }

  /** Tasks queued or running here. */
  get taskIds(): string[] {
    return [...this.tasks.keys()];
  }

  get size(): number {
    return this.tasks.size;
  }

  get running(): number {
    return this.queue.running;
  }

  get queued(): number {
    return this.queue.queued;
  }

  /** Queued, running, or finishing (its result on its way to the spool). */
  has(taskId: string): boolean {
    return this.tasks.has(taskId) || this.finishing.has(taskId);
  }

  /** (task id, lease epoch) of every task queued, running or finishing here. */
  leases(): Array<{ taskId: string; leaseEpoch: number }> {
    return [
      ...[...this.tasks.values()].filter((task) => !task.revoked).map(({ taskId, leaseEpoch }) => ({ taskId, leaseEpoch })),
      ...[...this.finishing].filter(([taskId]) => !this.tasks.has(taskId)).map(([taskId, leaseEpoch]) => ({ taskId, leaseEpoch })),
    ];
  }

  /**
   * A new session: every task held here goes on live on it. What each produced so far is sent
   * again from offset 0 (the orchestrator keeps what it lacks; only one that places chunks by
   * offset can), and `running` if it never went out; then its messages go out as they come.
   */
  resume(session: StreamSession): void {
    if (!session.outputOffsets) return;
    for (const task of this.tasks.values()) void task.coalescer?.after(() => this.catchUp(task, session));
  }

  /** Settles once every task held now has ended and its result was handed to delivery. */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.tasks.values()].map((task) => task.done));
  }

  /** Ends every task still waiting for a slot, without running it (the worker stops). */
  withdrawQueued(message: string): void {
    for (const task of this.tasks.values()) {
      if (this.queue.withdraw(task.taskId)) void this.complete(task, stopOutcome('WORKER_SHUTDOWN', message));
    }
  }

  /**
   * A CancelCommand: stops the task when it is the lease held here (or an older one), answers
   * with a CancelReply (decideCancel says which), and remembers a cancel of a task not here.
   */
  cancel(taskId: string, command: CancelCommand): void {
    const task = this.tasks.get(taskId);
    const finished = this.finishing.get(taskId) ?? this.options.spool.leaseOf(taskId);
    const held = task ? { state: 'active' as const, leaseEpoch: task.leaseEpoch } : finished === undefined ? undefined : { state: 'finished' as const, leaseEpoch: finished };
    const decision = decideCancel(held, command.leaseEpoch);
    if (decision.remember) this.remembered.remember(taskId, command.leaseEpoch);
    const session = this.options.session();
    // A version-1 orchestrator knows no reply (protocol version 2 added it).
    if (session && session.protocolVersion >= 2) {
      void session.sendEvent(taskId, decision.leaseEpoch, { $case: 'cancelReply', cancelReply: { outcome: decision.outcome } });
    }
    if (!task || !decision.stop) return;
    if (this.queue.withdraw(taskId)) void this.complete(task, stopOutcome('CANCELLED', 'the task was cancelled before it started'));
    else this.options.executor.cancelTask(taskId, { force: command.force, kind: 'ORCHESTRATOR_CANCEL' });
  }

  /**
   * Leases the orchestrator says are not this worker's any more (HeartbeatResponse.revoked: lost
   * to the worker timeout, or given to another run). Each run of such a lease is stopped at once
   * (killed, no grace) and nothing more is sent for it: no result (its record says LEASE_LOST); a
   * result of such a lease waiting for its ack is dropped. Only the very epoch listed is revoked:
   * a run that adopted a newer lease meanwhile goes on.
   */
  async revoke(leases: readonly Lease[]): Promise<void> {
    const { logger, executor, delivery } = this.options;
    for (const { taskId, leaseEpoch } of leases) {
      const task = this.tasks.get(taskId);
      if (task?.leaseEpoch === leaseEpoch) {
        if (task.revoked) continue;
        task.revoked = true;
        task.session = undefined; // nothing more goes out for it
        logger.warn('the orchestrator revoked this task\'s lease: its run is stopped and no result is sent', { taskId, leaseEpoch });
        if (this.queue.withdraw(taskId)) void this.complete(task, leaseLost(0, ''));
        else executor.abort(taskId, new TaskAbortReason('ORCHESTRATOR_CANCEL', 0));
      } else if (this.finishing.get(taskId) === leaseEpoch) {
        this.revokedFinishing.set(taskId, leaseEpoch);
      } else {
        await delivery.revoked(taskId, leaseEpoch);
      }
    }
  }

  accept(taskId: string, leaseEpoch: number, attempt: number, task: Task | undefined): void {
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
    const assigned: AssignedTask = { taskId, leaseEpoch, attempt, tool: task?.toolType ?? '', session: this.options.session()?.number };
    if (!task) {
      void this.complete(assigned, makeOutcome('FAILED', { durationMs: 0, runtime: '', error: { code: 'INVALID_PARAMS', message: 'assignment without a task' } }));
      return;
    }
    const existing = this.tasks.get(taskId);
    if (existing) {
      if (existing.revoked) logger.warn('task assigned again while its revoked run is being stopped: not run', { taskId, leaseEpoch });
      else if (leaseEpoch > existing.leaseEpoch) this.adopt(existing, leaseEpoch, attempt);
      else if (leaseEpoch < existing.leaseEpoch) logger.warn('assignment under an older lease than the run here: ignored', { taskId, leaseEpoch, held: existing.leaseEpoch });
      return; // the same epoch: the same assignment again after a reconnect
    }
    const finished = this.finishing.get(taskId) ?? this.options.spool.leaseOf(taskId);
    if (finished !== undefined && leaseEpoch <= finished) {
      logger.info('the same assignment again: its result is here already (sent until acknowledged), not run again', { taskId, leaseEpoch });
      return;
    }
    if (finished !== undefined) {
      // Finished here, its result not acknowledged: the result is the new lease's (not run again).
      if (this.finishing.has(taskId)) this.adoptions.set(taskId, { leaseEpoch, attempt });
      else void this.options.delivery.adopt(taskId, leaseEpoch, attempt);
      return;
    }
    if (this.remembered.cancels(taskId, leaseEpoch)) {
      logger.info('assignment cancelled before it came: ended at once', { taskId, leaseEpoch });
      void this.complete(assigned, stopOutcome('CANCELLED', 'the task was cancelled before its assignment arrived'));
      return;
    }
    const refusal = sessionRefusal(task);
    if (refusal) {
      void this.complete(assigned, makeOutcome('FAILED', { durationMs: 0, runtime: '', error: refusal }));
      return;
    }
    if (!this.options.accepting()) {
      void this.complete(assigned, stopOutcome('WORKER_SHUTDOWN', 'the worker is draining and takes no new tasks'));
      return;
    }
    this.tasks.set(taskId, assigned);
    const output = this.options.spool.outputLog(taskId, leaseEpoch);
    assigned.output = output;
    assigned.recordFiles = this.options.taskRecords?.begin(taskId, { tool: task.toolType, attempt, leaseEpoch });
    assigned.coalescer = new OutputCoalescer((stream, data) => this.sendOutput(assigned, output, stream, data));
    void this.send(assigned, { $case: 'accepted', accepted: { queuePosition: this.queue.queued } });
    logger.info('task accepted', { taskId, tool: task.toolType, leaseEpoch, attempt });
    assigned.done = this.queue
      .run(taskId, async () => {
        assigned.startedAt = performance.now();
        const outcome = await executor.run(taskId, task, { onProgress: (event) => this.progress(assigned, event) });
        this.options.metrics?.taskRan(task.toolType, outcome.durationMs);
        try {
          await assigned.coalescer?.flush();
        } catch (error) {
          logger.error('could not keep the output of a task', { taskId, error: describeError(error) });
        }
        logger.info('task finished', {
          taskId,
          tool: task.toolType,
          state: outcome.state,
          cause: outcome.cause,
          exitCode: outcome.exitCode,
          durationMs: outcome.durationMs,
        });
        await this.complete(assigned, outcome);
      })
      .catch(async (error: unknown) => {
        logger.error('task runner failed', { taskId, error: describeError(error) });
        // Never answered: fail it, rather than heartbeat its lease for ever.
        if (this.tasks.get(taskId) !== assigned) return;
        const durationMs = assigned.startedAt === undefined ? 0 : Math.round(performance.now() - assigned.startedAt);
        const failed = makeOutcome('FAILED', { durationMs, runtime: '', error: { code: 'INTERNAL', message: 'internal error in the worker (its log says more)' } });
        await this.complete(assigned, failed).catch((again: unknown) => {
          logger.error('could not report the failure of a task', { taskId, error: describeError(again) });
        });
      });
  }

  /**
   * The task, queued or running here, was assigned again under a newer lease (the orchestrator
   * lost the old one, e.g. while this worker was paused, and gave it back): the run goes on under
   * the new epoch. Everything it sends from now on, its result and its heartbeat lease carry the
   * new epoch; the old one is no longer leased. `accepted` answers the new assignment, and on a
   * session that places output by offset, `running` and the output so far go again under the new
   * epoch (catchUp); otherwise the output goes with the result.
   */
  private adopt(task: AssignedTask, leaseEpoch: number, attempt: number): void {
    this.options.logger.info('task assigned again under a newer lease: the run goes on under it', { taskId: task.taskId, from: task.leaseEpoch, leaseEpoch });
    task.leaseEpoch = leaseEpoch;
    task.attempt = attempt;
    task.recordFiles?.adopt(leaseEpoch, attempt);
    task.session = undefined;
    task.runningSent = false;
    const session = this.options.session();
    if (!session) return;
    void session.sendEvent(task.taskId, leaseEpoch, { $case: 'accepted', accepted: { queuePosition: this.queue.queued } });
    if (session.outputOffsets) void task.coalescer?.after(() => this.catchUp(task, session));
  }

  /** Runs in the task's output order (OutputCoalescer.after): nothing is appended meanwhile. */
  private async catchUp(task: AssignedTask, session: StreamSession): Promise<void> {
    if (task.session === session.number || session.closed || task.revoked) return;
    try {
      if (task.running && !task.runningSent) {
        task.runningSent = true;
        await session.sendEvent(task.taskId, task.leaseEpoch, { $case: 'running', running: task.running });
      }
      for await (const chunk of task.output?.chunks() ?? []) {
        if (session.closed) return;
        await session.sendOutput(task.taskId, task.leaseEpoch, chunk);
      }
      if (!session.closed) task.session = session.number;
    } catch (error) {
      this.options.logger.warn('could not send a task\'s output again on the new stream: it goes with its result', { taskId: task.taskId, error: describeError(error) });
    }
  }

  private progress(task: AssignedTask, event: TaskProgress): Promise<void> {
    const { metrics } = this.options;
    if (event.type === 'running') {
      if (task.startedAt !== undefined) metrics?.containerStarted(performance.now() - task.startedAt);
      task.running = { containerId: event.containerId, runtime: event.runtime, profile: event.profile };
      const sent = this.send(task, { $case: 'running', running: task.running });
      task.runningSent = sent !== undefined;
      return sent ?? Promise.resolve();
    }
    metrics?.output(event.stream, event.data.length);
    // Resolves once the chunk is kept and (when a whole chunk is ready) the link has room: a slow
    // link pauses the executor, and with it the container's output stream.
    return task.coalescer?.push(event.stream, event.data) ?? Promise.resolve();
  }

  /** A coalesced chunk: kept for resends, and sent on the task's session while it is intact. */
  private async sendOutput(task: AssignedTask, log: OutputLog, stream: OutputStreamName, data: Buffer): Promise<void> {
    const offset = log.length(stream);
    task.recordFiles?.output(stream, data);
    await Promise.all([log.append(stream, data), this.send(task, { $case: 'output', output: { stream, data, offset } })]);
  }

  /**
   * Sends on the task's live session when it is the one open now (then resolves once the stream
   * has room); undefined when it cannot go (no session, or the task has not caught up on this one).
   */
  private send(task: AssignedTask, event: TaskEvent): Promise<void> | undefined {
    const session = this.options.session();
    if (!session || task.session !== session.number) return undefined;
    if (event.$case === 'output') return session.sendOutput(task.taskId, task.leaseEpoch, event.output);
    return session.sendEvent(task.taskId, task.leaseEpoch, event);
  }

  /** Delivers the result, then (--task-records) finishes the task's record behind it. */
  private async complete(task: AssignedTask, outcome: RunOutcome): Promise<void> {
    const finishedAt = Date.now();
    const startedAt = task.startedAt === undefined ? undefined : Math.round(finishedAt - (performance.now() - task.startedAt));
    const recordFiles =
      task.recordFiles ?? this.options.taskRecords?.begin(task.taskId, { tool: task.tool, attempt: task.attempt, leaseEpoch: task.leaseEpoch });
    if (this.tasks.get(task.taskId) === task) this.tasks.delete(task.taskId);
    if (!task.revoked) this.finishing.set(task.taskId, task.leaseEpoch);
    if (task.revoked) outcome = leaseLost(outcome.durationMs, outcome.runtime);
    try {
      this.options.metrics?.taskFinished(task.tool, outcome);
      task.coalescer?.close();
      if (task.revoked) await task.output?.remove();
      else await this.options.delivery.deliver(task, outcome);
    } finally {
      if (this.revokedFinishing.get(task.taskId) === task.leaseEpoch) {
        this.revokedFinishing.delete(task.taskId);
        await this.options.delivery.revoked(task.taskId, task.leaseEpoch);
      }
      if (this.finishing.get(task.taskId) === task.leaseEpoch) this.finishing.delete(task.taskId);
      const adoption = this.adoptions.get(task.taskId);
      this.adoptions.delete(task.taskId);
      if (adoption) await this.options.delivery.adopt(task.taskId, adoption.leaseEpoch, adoption.attempt);
      // Behind the result, never in its way (it logs its own failures).
      void recordFiles?.finish(outcome, { finishedAt, ...(startedAt === undefined ? {} : { startedAt }) });
    }
  }
}

/** What a task sends while it runs: accepted, running, and its output with each chunk's offset. */
type TaskEvent =
  | Extract<NonNullable<WorkerMessage['event']>, { $case: 'accepted' | 'running' }>
  | { readonly $case: 'output'; readonly output: { readonly stream: OutputStreamName; readonly data: Buffer; readonly offset: number } };

/** A run stopped because its lease was revoked (never sent: the task's record says so). */
function leaseLost(durationMs: number, runtime: string): RunOutcome {
  return makeOutcome('FAILED', { durationMs, runtime, error: { code: 'LEASE_LOST', message: 'the orchestrator revoked the lease: the run was stopped and its result not sent' } });
}

function stopOutcome(code: 'WORKER_SHUTDOWN' | 'CANCELLED', message: string): RunOutcome {
  return makeOutcome('CANCELLED', { durationMs: 0, runtime: '', error: { code, message } });
}
