import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import {
  OutputStream,
  TaskState,
  type Lease,
  type OrchestratorMessage,
  type Task,
  type TaskEvent,
  type TaskResult,
  type TaskSummary,
  type WorkerInfo,
  type WorkerMessage,
} from '../gen/agent/v1/agent.js';
import { afterLeaseLoss, afterResult, judgeCompleted, type LeaseView } from './lease-rules.js';
import { createOutputBuffer } from './output-buffer.js';
import { selectWorker, type WorkerChoice } from './select-worker.js';
import type { Placement } from '../placement/placement.js';
import { assembleResult, orchestratorOutcome, workerOutcome, type OrchestratorError, type TaskOutcome } from './task-outcome.js';
import { createTaskRecord, holdsLease, phaseState, queueIndex, type TaskRecord } from './task-record.js';
import type { LeaseHolder, StoredTask, TaskStore } from './task-store.js';
import { judgeAgentCall, judgeRegistration, judgeReporter } from './lease-holder-rules.js';
import { mintAgentCredential } from './agent-credential.js';
import type { BrokerObserver } from './broker-observer.js';
import { DEFAULT_QUEUE_LIMITS, type QueueLimits } from '../config/queue-limit-option-specs.js';
import { createQueueLedger, encodedTaskBytes, type QueueUsage } from './queue-ledger.js';
import { isBuiltinTool, validateTask } from './validate-task.js';
import {
  createWorkerRecord,
  isAccepting,
  toWorkerCandidate,
  toWorkerInfo,
  type WorkerCondition,
  type WorkerRecord,
  type WorkerRegistration,
} from './worker-record.js';

export interface TaskBrokerOptions {
  readonly logger: Logger;
  /** Durable state; unfinished tasks in it are taken up when the broker is created. */
  readonly store: TaskStore;
  /**
   * A worker whose last heartbeat is older than this is removed, a lease not renewed for this
   * long is lost, and restored or re-queued tasks (and those queued when a worker leaves) that
   * nobody can serve wait this long for a worker before failing.
   */
  readonly workerTimeoutMs: number;
  /** Runs of a task at most (lost leases and retryable results run it again). */
  readonly maxAttempts: number;
  /** Finished tasks' results kept: how long, how many, how many output bytes in all. */
  readonly retention: { readonly retentionMs: number; readonly maxEntries: number; readonly maxBytes: number };
  /** Per stream, per task: what the orchestrator assembles for the result. */
  readonly outputCapBytes: number;
  /** Output queued for one client that has not read it yet (see task-subscriber.ts). */
  readonly subscriberBufferBytes: number;
  /** How long a client that reads nothing may hold its worker's stream up (see task-subscriber.ts). */
  readonly subscriberStallMs?: number;
  /** Largest encoded task forwarded to a worker. */
  readonly maxTaskBytes: number;
  readonly now: () => number;
  /** Told of submissions, assignments, finishes, lost leases, retries and workers coming and going (metrics). */
  readonly observer?: BrokerObserver;
  /** Caps on unfinished tasks, in all and per owner (queue-ledger.ts); default DEFAULT_QUEUE_LIMITS. */
  readonly queueLimits?: QueueLimits;
}

/** One TaskStream of a worker, from its `hello` until it ends. */
export interface WorkerSession {
  readonly worker: WorkerRecord;
  /**
   * The commands to send on this stream. Ends normally when the session is replaced by a newer
   * stream or the worker is removed; throws the call's abort reason when the call is cancelled.
   */
  commands(callSignal: AbortSignal): AsyncGenerator<OrchestratorMessage, void, undefined>;
  /**
   * A message from the worker on this stream. Returns a promise when a client following the
   * task is behind (back-pressure): read nothing more from the stream until it settles.
   */
  receive(message: WorkerMessage): Promise<void> | undefined;
  /** The stream ended or failed. The worker keeps its leases until their deadline: it may reconnect. */
  close(reason: string): void;
}

export interface SubmittedTask {
  readonly taskId: string;
  /** `submitted`, then `running`, `output`..., then `result`; ends after the result. */
  events(signal: AbortSignal): AsyncGenerator<TaskEvent, void, undefined>;
}

/** What a heartbeat reports. */
export interface HeartbeatReport {
  readonly activeTaskIds: readonly string[];
  /** Leases the worker holds: each renews (and, when in force, claims) one. */
  readonly leases: readonly Lease[];
  readonly condition: WorkerCondition;
}

export type RegisterOutcome =
  | { readonly kind: 'registered'; readonly agentId: string; readonly resumed: boolean; readonly resumeToken: string }
  | { readonly kind: 'denied'; readonly message: string };

/** GetTask's view of a task. */
export interface TaskView {
  readonly taskId: string;
  readonly state: TaskState;
  /** Set once the task finished. */
  readonly result: TaskResult | undefined;
  /** The worker holding the lease (or that ran it); empty while queued. */
  readonly worker: string;
  /** The current or last attempt (0: never assigned). */
  readonly attempt: number;
  readonly toolType: string;
}

/**
 * The orchestrator's state: registered workers, unfinished tasks and their leases, the queue of
 * tasks waiting for a worker (in submission order), and dispatch. Every change of a task is
 * written to the TaskStore as it happens. Everything here is synchronous and single-threaded;
 * the gRPC handlers only convert between the wire and these calls. Lease rules: lease-rules.ts.
 */
export interface TaskBroker {
  /**
   * Resumes `resume.agentId` when it is a registered worker and `resume.token` is its resume
   * token (same id, its leases stay); `denied` (nothing changes) when the token is not; else
   * registers anew with a new agent id and resume token (lease-holder-rules.ts).
   */
  registerWorker(registration: WorkerRegistration, resume: { agentId: string; token: string }): RegisterOutcome;
  /**
   * Whether a call about `agentId` (Heartbeat, Unregister, TaskStream) comes from that worker:
   * `ok` when `token` is its resume token, `unknown` for an id not registered, else `denied`.
   */
  authenticateWorker(agentId: string, token: string | undefined): 'ok' | 'unknown' | 'denied';
  /** Ends the worker's leases at once. False when the agent id is unknown. */
  unregisterWorker(agentId: string, reason: string): boolean;
  /** False when the agent id is unknown. */
  heartbeat(agentId: string, report: HeartbeatReport): boolean;
  /** Opens a TaskStream session (replacing an older one); undefined for an unknown agent id. */
  openSession(agentId: string): WorkerSession | undefined;
  /**
   * Stores and queues (or dispatches) a task of `owner` (the client that submits it; default
   * NO_OWNER). With `follow: false` nobody reads its events (SubmitTask): they are not kept.
   * Not while shutting down. Throws QueueLimitError, storing nothing, past a queue limit.
   */
  submit(task: Task, placement: Placement, options?: { follow?: boolean; owner?: string }): SubmittedTask;
  /** The owner of an unfinished task, or of a finished one while its result is retained; undefined otherwise. */
  ownerOf(taskId: string): string | undefined;
  /** Unfinished tasks held now, their bytes, and per owner (what the queue limits count). */
  readonly queueUsage: QueueUsage;
  /** False when the task is unknown or already finished. */
  cancel(taskId: string, options: { force: boolean; reason: string }): boolean;
  listWorkers(): WorkerInfo[];
  /** The group a registered worker is in; undefined for an unknown agent id. */
  workerGroup(agentId: string): string | undefined;
  /**
   * Every unfinished task in submission order, then up to `recentFinished` finished ones, newest
   * first; only `owner`'s tasks when it is given.
   */
  listTasks(recentFinished: number, owner?: string): TaskSummary[];
  /** An unfinished task, or a finished one while its result is retained. */
  getTask(taskId: string): TaskView | undefined;
  /** A finished task's result while it is retained. */
  getResult(taskId: string): TaskResult | undefined;
  /**
   * Periodic upkeep: removes workers whose heartbeat is too old (their leases are lost), takes
   * away leases past their deadline, fails held tasks nobody can serve once their wait is over,
   * and drops results past retention.
   */
  sweep(): void;
  readonly shuttingDown: boolean;
  /**
   * Stops dispatching and taking tasks, ends every worker stream and every client's task events
   * (with an error: the tasks are kept in the store and go on after a restart).
   */
  shutdown(reason: string): void;
  /** After shutdown, once no call can reach the broker: it no longer touches the store. */
  close(): void;
}

export function createTaskBroker(options: TaskBrokerOptions): TaskBroker {
  const { logger, store, now, workerTimeoutMs, maxAttempts } = options;
  const capBytes = options.outputCapBytes;
  const workers = new Map<string, WorkerRecord>();
  const tasks = new Map<string, TaskRecord>();
  /** Tasks waiting for a worker, in submission order. */
  let queue: TaskRecord[] = [];
  /** Leases restored from the store that no worker has claimed yet, with the holder the store names. */
  const orphans = new Map<TaskRecord, LeaseHolder | undefined>();
  let shuttingDown = false;
  let closed = false;
  /** Owner and size of every unfinished task (the queue limits). */
  const ledger = createQueueLedger(options.queueLimits ?? DEFAULT_QUEUE_LIMITS);

  const event = (taskId: string, e: TaskEvent['event']): TaskEvent => ({ taskId, event: e });
  const nameOf = (worker: WorkerRecord): string => worker.registration.name;
  const holderOf = (worker: WorkerRecord): LeaseHolder => ({ agentId: worker.agentId, tokenHash: worker.tokenHash });
  const holderName = (record: TaskRecord): string => (record.worker ? nameOf(record.worker) : record.workerName || 'unknown');
  const leased = (record: TaskRecord): boolean => record.phase === 'assigned' || record.phase === 'running';
  const result = (record: TaskRecord, outcome: TaskOutcome): TaskResult => assembleResult(record, outcome, capBytes);
  /** Tells the observer, if any; one that throws is logged and changes nothing here. */
  const observe = (tell: (observer: BrokerObserver) => void): void => {
    if (options.observer === undefined) return;
    try {
      tell(options.observer);
    } catch (error) {
      logger.warn('broker observer failed', { error: error instanceof Error ? error.message : String(error) });
    }
  };

  const newRecord = (row: Pick<StoredTask, 'taskId' | 'seq' | 'task' | 'placement' | 'submittedAtMs'>): TaskRecord =>
    createTaskRecord({
      ...row,
      builtin: isBuiltinTool(row.task.toolType),
      outputCapBytes: capBytes,
      subscriberBufferBytes: options.subscriberBufferBytes,
      ...(options.subscriberStallMs === undefined ? {} : { subscriberStallMs: options.subscriberStallMs }),
    });

  restore();

  /** Takes up what the store holds: queued tasks wait in order, leased ones wait for their worker to claim them. */
  function restore(): void {
    const deadline = now() + workerTimeoutMs;
    let leasedCount = 0;
    for (const row of store.unfinished()) {
      const record = newRecord(row);
      record.subscriber.end(); // nobody follows a restored task (GetTask finds it)
      record.attempt = row.attempt;
      record.leaseEpoch = row.leaseEpoch;
      record.workerName = row.worker;
      record.resultEpoch = row.resultEpoch;
      record.cancel = row.cancel;
      record.lastFailure = row.lastFailure;
      ledger.add(row.taskId, row.owner, row.taskBytes);
      if (row.state === 'assigned') {
        record.phase = 'assigned';
        record.leaseDeadlineMs = deadline;
        record.assignedAtMs = now();
        orphans.set(record, row.holder);
        leasedCount += 1;
      } else {
        record.holdUntilMs = deadline;
        queue.push(record);
      }
      tasks.set(record.taskId, record);
    }
    if (tasks.size > 0) {
      logger.info('tasks restored from the store', { store: store.location, queued: queue.length, leased: leasedCount });
    }
  }

  function pruneResults(): void {
    const { retentionMs, maxEntries, maxBytes } = options.retention;
    store.prune({ finishedBeforeMs: now() - retentionMs, maxEntries, maxBytes });
  }

  /** A finished task's stored row while its result is retained. */
  function retained(taskId: string): StoredTask | undefined {
    if (closed) return undefined;
    const row = store.get(taskId);
    if (row?.state !== 'finished' || row.result === undefined) return undefined;
    if ((row.finishedAtMs ?? 0) <= now() - options.retention.retentionMs) return undefined;
    return row;
  }

  function finish(record: TaskRecord, final: TaskResult, resultEpoch: number): void {
    if (record.phase === 'finished') return;
    record.phase = 'finished';
    tasks.delete(record.taskId);
    ledger.remove(record.taskId);
    orphans.delete(record);
    queue = queue.filter((r) => r !== record);
    const freedSlot = record.worker?.tasks.delete(record.taskId) ?? false;
    record.leaseDeadlineMs = undefined;
    if (!closed) store.finished(record.taskId, final, { resultEpoch, finishedAtMs: now() });
    observe((o) => o.taskFinished(record, final, now()));
    record.subscriber.send(event(record.taskId, { $case: 'result', result: final }));
    record.subscriber.end();
    logger.debug('task finished', {
      taskId: record.taskId,
      toolType: record.task.toolType,
      state: TaskState[final.state],
      cause: final.cause,
      worker: final.worker,
      attempt: final.attempt,
    });
    if (!closed) pruneResults();
    if (freedSlot) dispatchQueued();
  }

  function pushCancel(worker: WorkerRecord, record: TaskRecord): void {
    if (!record.cancel) return;
    worker.commands.push({ taskId: record.taskId, command: { $case: 'cancel', cancel: { ...record.cancel, leaseEpoch: record.leaseEpoch } } });
  }

  function assign(record: TaskRecord, worker: WorkerRecord): void {
    record.phase = 'assigned';
    record.attempt += 1;
    record.leaseEpoch += 1;
    record.worker = worker;
    record.workerName = nameOf(worker);
    record.triedBy.add(worker.agentId);
    record.assignedAtMs = now();
    record.leaseDeadlineMs = now() + workerTimeoutMs;
    record.holdUntilMs = 0;
    worker.tasks.add(record.taskId);
    store.assigned(record.taskId, { attempt: record.attempt, leaseEpoch: record.leaseEpoch, worker: record.workerName, holder: holderOf(worker) });
    observe((o) => o.taskAssigned(record, worker, now()));
    worker.commands.push({
      taskId: record.taskId,
      command: { $case: 'assign', assign: { task: record.task, leaseEpoch: record.leaseEpoch, attempt: record.attempt } },
    });
    logger.debug('task assigned', {
      taskId: record.taskId,
      toolType: record.task.toolType,
      worker: record.workerName,
      attempt: record.attempt,
      leaseEpoch: record.leaseEpoch,
    });
  }

  function choose(record: TaskRecord): WorkerChoice {
    // Agent ids (before a restart) of workers that held leases nobody has claimed since.
    const unclaimed = new Set([...orphans.values()].map((holder) => holder?.agentId));
    const candidates = [...workers.values()].map((w) => toWorkerCandidate(w, w.provenFormerId !== undefined && unclaimed.has(w.provenFormerId)));
    return selectWorker(candidates, {
      toolType: record.task.toolType,
      builtin: record.builtin,
      placement: record.placement,
      avoid: record.triedBy,
    });
  }

  /** Nobody can run it: fails with the last retryable end when there was one, else with `error`. */
  function finishUnplaceable(record: TaskRecord, error: OrchestratorError): void {
    const last = record.lastFailure;
    if (last === undefined) {
      finish(record, result(record, orchestratorOutcome(error)), record.resultEpoch);
      return;
    }
    const note = `not run again: ${error.message}`;
    const lastError = last.error ? { ...last.error, message: `${last.error.message}; ${note}` } : undefined;
    finish(record, { ...last, error: lastError }, record.resultEpoch);
  }

  /** Dispatches, fails or keeps a queued task. */
  function place(record: TaskRecord): 'dispatched' | 'failed' | 'waiting' {
    const choice = choose(record);
    switch (choice.kind) {
      case 'dispatch':
        assign(record, workers.get(choice.agentId)!);
        return 'dispatched';
      case 'fail':
        // Restored and re-queued tasks give workers time to (re)connect first.
        if (now() < record.holdUntilMs) return 'waiting';
        finishUnplaceable(record, choice.error);
        return 'failed';
      case 'wait':
        return 'waiting';
    }
  }

  let dispatching = false;
  /** Goes through the queue in order; each task that can be placed now leaves it. */
  function dispatchQueued(): void {
    if (dispatching || shuttingDown) return; // finish() inside place() re-enters; the running pass covers it
    dispatching = true;
    try {
      for (const record of [...queue]) {
        if (record.phase !== 'queued') continue;
        if (place(record) !== 'waiting') queue = queue.filter((r) => r !== record);
      }
    } finally {
      dispatching = false;
    }
  }

  /** Back to the queue for another attempt; `failure` is how this attempt ended. */
  function requeue(record: TaskRecord, failure: TaskResult, why: string): void {
    record.worker?.tasks.delete(record.taskId);
    record.worker = undefined;
    orphans.delete(record);
    record.phase = 'queued';
    record.leaseDeadlineMs = undefined;
    record.lastFailure = failure;
    record.holdUntilMs = now() + workerTimeoutMs;
    record.stdout = createOutputBuffer(capBytes);
    record.stderr = createOutputBuffer(capBytes);
    record.streamed = { stdout: 0, stderr: 0 };
    record.subscriber.newAttempt();
    store.requeued(record.taskId, { lastFailure: failure, resultEpoch: record.resultEpoch });
    observe((o) => o.taskRequeued(record, failure));
    queue.splice(queueIndex(queue, record), 0, record);
    logger.info('task queued again', { taskId: record.taskId, attempt: record.attempt, maxAttempts, why });
    dispatchQueued();
  }

  /** The lease in force is taken away: cancelled (a cancel was pending), re-queued, or failed WORKER_LOST. */
  function loseLease(record: TaskRecord, why: string): void {
    if (!leased(record)) return;
    const ranForMs = record.assignedAtMs === undefined ? 0 : now() - record.assignedAtMs;
    const holder = holderName(record);
    const decision = afterLeaseLoss({ attempt: record.attempt, maxAttempts, cancelPending: record.cancel !== undefined });
    logger.warn('lease lost', { taskId: record.taskId, worker: holder, attempt: record.attempt, leaseEpoch: record.leaseEpoch, why, then: decision });
    observe((o) => o.leaseLost(record, decision));
    switch (decision) {
      case 'cancelled': {
        const message = `cancelled (${record.cancel?.reason ?? ''}); worker ${holder} lost the lease before confirming: ${why}`;
        finish(record, result(record, orchestratorOutcome({ code: 'CANCELLED', message }, ranForMs, TaskState.TASK_STATE_CANCELLED)), record.resultEpoch);
        return;
      }
      case 'retry':
        requeue(record, result(record, orchestratorOutcome({ code: 'WORKER_LOST', message: `worker ${holder} was lost: ${why}` }, ranForMs)), why);
        return;
      case 'fail': {
        const message = `worker ${holder} was lost: ${why} (attempt ${record.attempt} of ${maxAttempts})`;
        finish(record, result(record, orchestratorOutcome({ code: 'WORKER_LOST', message }, ranForMs)), record.resultEpoch);
        return;
      }
    }
  }

  /**
   * Whether `worker` may report on `record`'s lease in force (a message on its stream, a result,
   * a heartbeat's lease): its holder, or the proven holder of a restored lease. Anyone else is
   * logged and changes nothing (lease-holder-rules.ts).
   */
  function mayReport(record: TaskRecord, worker: WorkerRecord, what: string): boolean {
    const verdict = judgeReporter(
      { holderAgentId: record.worker?.agentId, restoredHolderId: orphans.get(record)?.agentId ?? '', group: record.placement.group },
      { agentId: worker.agentId, group: worker.registration.group, provenFormerId: worker.provenFormerId },
    );
    if (verdict !== 'not-holder') return true;
    logger.warn('a worker that does not hold the lease reported on it: dropped', {
      taskId: record.taskId,
      leaseEpoch: record.leaseEpoch,
      what,
      worker: nameOf(worker),
      agentId: worker.agentId,
      group: worker.registration.group,
      holder: holderName(record),
    });
    return false;
  }

  /** A message or heartbeat of the lease in force from its holder (mayReport): renews it, and moves a restored lease to it. */
  function claim(record: TaskRecord, worker: WorkerRecord): void {
    record.leaseDeadlineMs = now() + workerTimeoutMs;
    if (record.worker === worker) return;
    const previous = holderName(record);
    record.worker?.tasks.delete(record.taskId);
    record.worker = worker;
    orphans.delete(record);
    worker.tasks.add(record.taskId);
    record.triedBy.add(worker.agentId);
    // The holder's new agent id (and token) from now on, also for a restart before the result.
    record.workerName = nameOf(worker);
    store.workerChanged(record.taskId, record.workerName, holderOf(worker));
    logger.info('lease claimed', { taskId: record.taskId, leaseEpoch: record.leaseEpoch, worker: record.workerName, agentId: worker.agentId, previous });
    // A cancel asked for while nobody held the lease (or sent on a stream that was lost).
    pushCancel(worker, record);
  }

  function removeWorker(worker: WorkerRecord, why: string): void {
    if (workers.get(worker.agentId) !== worker) return;
    workers.delete(worker.agentId);
    worker.commands.clear();
    worker.commands.end();
    worker.stream?.abort();
    worker.stream = undefined;
    logger.info('worker removed', {
      agentId: worker.agentId,
      worker: nameOf(worker),
      bootId: worker.registration.bootId,
      reason: why,
      leases: worker.tasks.size,
    });
    // A worker that leaves is often replaced (a restart, a rolling drain): tasks waiting now get
    // up to workerTimeoutMs for a worker that can serve them before they fail NO_WORKER.
    const holdUntil = now() + workerTimeoutMs;
    for (const record of queue) record.holdUntilMs = Math.max(record.holdUntilMs, holdUntil);
    for (const taskId of [...worker.tasks]) {
      const record = tasks.get(taskId);
      if (record?.worker === worker) loseLease(record, why);
    }
    worker.tasks.clear();
    dispatchQueued();
  }

  function ack(worker: WorkerRecord, taskId: string, leaseEpoch: number, accepted: boolean): void {
    worker.commands.push({ taskId, command: { $case: 'ack', ack: { leaseEpoch, accepted } } });
  }

  function completed(worker: WorkerRecord, taskId: string, leaseEpoch: number, reported: TaskResult): void {
    const record = tasks.get(taskId);
    let view: LeaseView | undefined;
    if (record) {
      view = { leased: leased(record), leaseEpoch: record.leaseEpoch, resultEpoch: record.resultEpoch };
    } else {
      const row = closed ? undefined : store.get(taskId);
      if (row?.state === 'finished') view = { leased: false, leaseEpoch: row.leaseEpoch, resultEpoch: row.resultEpoch };
    }
    const verdict = judgeCompleted(view, leaseEpoch);
    if (verdict === 'stale') {
      ack(worker, taskId, leaseEpoch, false);
      logger.info('result of a lease not in force refused', { taskId, leaseEpoch, worker: nameOf(worker), current: record?.leaseEpoch });
      return;
    }
    if (verdict === 'duplicate' || record === undefined) {
      // Changes nothing, whoever sends it: the holder whose first ack was lost gets its answer.
      ack(worker, taskId, leaseEpoch, true);
      logger.debug('result delivered again; already stored', { taskId, leaseEpoch, worker: nameOf(worker) });
      return;
    }
    if (!mayReport(record, worker, 'completed')) {
      ack(worker, taskId, leaseEpoch, false);
      return;
    }
    ack(worker, taskId, leaseEpoch, true);
    claim(record, worker);
    record.resultEpoch = leaseEpoch;
    const final = result(record, workerOutcome(reported));
    const decision = afterResult({
      retryable: final.retryable,
      attempt: record.attempt,
      maxAttempts,
      cancelPending: record.cancel !== undefined,
    });
    if (decision === 'retry') requeue(record, final, `retryable result ${final.cause} from worker ${nameOf(worker)}`);
    else finish(record, final, leaseEpoch);
  }

  function receive(worker: WorkerRecord, message: WorkerMessage): Promise<void> | undefined {
    if (closed || workers.get(worker.agentId) !== worker || message.event === undefined) return undefined;
    const e = message.event;
    if (e.$case === 'hello') return undefined;
    if (e.$case === 'completed') {
      completed(worker, message.taskId, message.leaseEpoch, e.completed);
      return undefined;
    }
    const record = tasks.get(message.taskId);
    if (record === undefined || !holdsLease(record, message.leaseEpoch)) {
      logger.debug('message of a lease not in force dropped', {
        worker: nameOf(worker),
        taskId: message.taskId,
        leaseEpoch: message.leaseEpoch,
        event: e.$case,
      });
      return undefined;
    }
    if (!mayReport(record, worker, e.$case)) return undefined;
    claim(record, worker);
    switch (e.$case) {
      case 'accepted':
        return undefined;
      case 'running':
        record.phase = 'running';
        return record.subscriber.send(event(record.taskId, { $case: 'running', running: e.running }));
      case 'output': {
        const { stream, offset } = e.output;
        const name = stream === OutputStream.OUTPUT_STREAM_STDOUT ? 'stdout' : stream === OutputStream.OUTPUT_STREAM_STDERR ? 'stderr' : undefined;
        if (name === undefined) return undefined;
        // A resend repeats what came already: keep only the bytes past what this attempt has.
        const have = record.streamed[name];
        const skip = offset === undefined ? 0 : Math.max(0, have - offset);
        if (skip >= e.output.data.length) return undefined;
        const data = skip === 0 ? e.output.data : e.output.data.subarray(skip);
        record.streamed[name] = (offset === undefined ? have : Math.max(have, offset)) + data.length;
        // The result keeps the first capBytes; clients get all of it, as it comes.
        record[name].append(data);
        return record.subscriber.send(event(record.taskId, { $case: 'output', output: { stream, data } }));
      }
    }
  }

  function createSession(worker: WorkerRecord): WorkerSession {
    const stream = new AbortController();
    worker.stream = stream;
    return {
      worker,
      async *commands(callSignal) {
        const signal = AbortSignal.any([callSignal, stream.signal]);
        try {
          yield* worker.commands.consume(signal);
        } catch (error) {
          // Replaced by a newer stream, or the worker was removed: end this stream normally.
          if (stream.signal.aborted && !callSignal.aborted) return;
          throw error;
        }
      },
      receive(message) {
        return receive(worker, message);
      },
      close(reason) {
        // Replaced by a newer stream, or the worker was removed (its leases were handled then).
        if (worker.stream !== stream || workers.get(worker.agentId) !== worker) return;
        worker.stream = undefined;
        stream.abort();
        logger.warn('worker task stream ended; its leases run until their deadline', {
          agentId: worker.agentId,
          worker: nameOf(worker),
          reason,
          leases: worker.tasks.size,
        });
      },
    };
  }

  return {
    registerWorker(input, resume) {
      const resumeAgentId = resume.agentId;
      const known = resumeAgentId === '' ? undefined : workers.get(resumeAgentId);
      const verdict = judgeRegistration({
        requestedId: resumeAgentId,
        presentedToken: resume.token,
        knownTokenHash: known?.tokenHash,
        restoredTokenHash: [...orphans.values()].find((holder) => holder !== undefined && holder.agentId === resumeAgentId)?.tokenHash,
      });
      if (verdict.kind === 'deny') {
        logger.warn('a worker tried to resume an agent id without its resume token: refused', {
          agentId: resumeAgentId,
          worker: input.name,
          hostname: input.hostname,
          group: input.group,
        });
        return { kind: 'denied', message: `resuming agent id ${JSON.stringify(resumeAgentId)} needs the resume token Register returned for it` };
      }
      const existing = verdict.kind === 'resume' ? known : undefined;
      const agentId = existing?.agentId ?? randomUUID();
      const name = input.name !== '' ? input.name : input.hostname !== '' ? input.hostname : agentId;
      const registration: WorkerRegistration = { ...input, name };
      const fields = {
        agentId,
        worker: name,
        bootId: registration.bootId,
        hostname: registration.hostname,
        toolTypes: registration.capabilities.toolTypes,
        maxConcurrentTasks: registration.capabilities.maxConcurrentTasks,
      };
      if (existing) {
        const previousBoot = existing.registration.bootId;
        existing.registration = registration;
        existing.lastHeartbeatMs = now();
        logger.info('worker resumed its registration', { ...fields, leases: existing.tasks.size });
        observe((o) => o.workerRegistered(existing, true));
        if (previousBoot !== '' && registration.bootId !== '' && previousBoot !== registration.bootId) {
          // Another process under the same id: the tasks of the one before died with it.
          for (const taskId of [...existing.tasks]) {
            const record = tasks.get(taskId);
            if (record?.worker === existing) loseLease(record, `worker ${name} restarted (boot ${previousBoot} → ${registration.bootId})`);
          }
        }
        dispatchQueued();
        return { kind: 'registered', agentId, resumed: true, resumeToken: resume.token };
      }
      const provenFormerId = verdict.kind === 'new' ? verdict.provenFormerId : undefined;
      const credential = mintAgentCredential();
      workers.set(agentId, createWorkerRecord({ agentId, tokenHash: credential.tokenHash, provenFormerId }, registration, now()));
      logger.info('worker registered', {
        ...fields,
        ...(resumeAgentId !== '' ? { unknownAgentId: resumeAgentId, holderOfRestoredLeases: provenFormerId !== undefined } : {}),
      });
      observe((o) => o.workerRegistered({ agentId, registration }, false));
      return { kind: 'registered', agentId, resumed: false, resumeToken: credential.token };
    },

    authenticateWorker(agentId, token) {
      return judgeAgentCall(workers.get(agentId)?.tokenHash, token);
    },

    unregisterWorker(agentId, reason) {
      const worker = workers.get(agentId);
      if (!worker) return false;
      removeWorker(worker, `unregistered${reason === '' ? '' : `: ${reason}`}`);
      observe((o) => o.workerRemoved(worker, 'UNREGISTERED'));
      return true;
    },

    heartbeat(agentId, report) {
      const worker = workers.get(agentId);
      if (!worker) return false;
      worker.lastHeartbeatMs = now();
      worker.reportedTaskIds = [...report.activeTaskIds];
      const first = !worker.heartbeatSeen;
      worker.heartbeatSeen = true;
      const before = worker.condition;
      const after = { ...report.condition };
      worker.condition = after;
      if (before.draining !== after.draining || before.healthy !== after.healthy || before.healthDetail !== after.healthDetail) {
        logger.info('worker condition changed', { agentId, worker: nameOf(worker), ...after });
      }
      if (closed) return true;
      for (const lease of report.leases) {
        const record = tasks.get(lease.taskId);
        if (record !== undefined && holdsLease(record, lease.leaseEpoch)) {
          if (mayReport(record, worker, 'heartbeat')) claim(record, worker);
        } else logger.debug('heartbeat names a lease not in force', { agentId, taskId: lease.taskId, leaseEpoch: lease.leaseEpoch });
      }
      for (const taskId of report.activeTaskIds) {
        const record = tasks.get(taskId);
        if (record?.worker === worker && leased(record)) record.leaseDeadlineMs = now() + workerTimeoutMs;
      }
      if (first || (!isAccepting(before) && isAccepting(after))) dispatchQueued();
      return true;
    },

    openSession(agentId) {
      const worker = workers.get(agentId);
      if (!worker || shuttingDown) return undefined;
      if (worker.stream) logger.info('worker task stream replaced by a new one', { agentId, worker: nameOf(worker) });
      worker.stream?.abort();
      const session = createSession(worker);
      worker.lastHeartbeatMs = now();
      // Cancels may have been lost with the previous stream: send the pending ones again.
      for (const taskId of worker.tasks) {
        const record = tasks.get(taskId);
        if (record) pushCancel(worker, record);
      }
      logger.info('worker connected', { agentId, worker: nameOf(worker), bootId: worker.registration.bootId, leases: worker.tasks.size });
      dispatchQueued();
      return session;
    },

    submit(task, placement, submitOptions = {}) {
      if (shuttingDown) throw new Error('the orchestrator is shutting down');
      const taskId = randomUUID();
      const owner = submitOptions.owner ?? '';
      ledger.admit(taskId, owner, encodedTaskBytes(task));
      const submittedAtMs = now();
      let seq: number;
      try {
        seq = store.insert({ taskId, owner, task, placement, submittedAtMs });
      } catch (error) {
        ledger.remove(taskId);
        throw error;
      }
      const record = newRecord({ taskId, seq, task, placement, submittedAtMs });
      if (submitOptions.follow === false) record.subscriber.end();
      tasks.set(taskId, record);
      observe((o) => o.taskSubmitted(record));
      const invalid = validateTask(task, { maxTaskBytes: options.maxTaskBytes });
      // `submitted` goes first; when the task is placed at once its worker is known.
      const submitted = (worker: string): void =>
        void record.subscriber.send(event(taskId, { $case: 'submitted', submitted: { worker } }));
      const choice: WorkerChoice = invalid ? { kind: 'fail', error: invalid } : choose(record);
      switch (choice.kind) {
        case 'dispatch': {
          const worker = workers.get(choice.agentId)!;
          submitted(nameOf(worker));
          assign(record, worker);
          break;
        }
        case 'fail':
          submitted('');
          finish(record, result(record, orchestratorOutcome(choice.error)), 0);
          break;
        case 'wait':
          submitted('');
          queue.push(record);
          logger.debug('task queued', { taskId, toolType: task.toolType, queued: queue.length });
          break;
      }
      return { taskId, events: (signal) => record.subscriber.events(signal) };
    },

    cancel(taskId, { force, reason }) {
      const record = tasks.get(taskId);
      if (!record || closed) return false;
      if (record.phase === 'queued') {
        const message = `cancelled before it started: ${reason}`;
        finish(record, result(record, orchestratorOutcome({ code: 'CANCELLED', message }, 0, TaskState.TASK_STATE_CANCELLED)), record.resultEpoch);
        return true;
      }
      // The worker stops it and reports a CANCELLED result, which finishes the task.
      record.cancel = { force: force || (record.cancel?.force ?? false), reason };
      store.cancelRequested(taskId, record.cancel);
      if (record.worker) pushCancel(record.worker, record);
      logger.info('task cancel sent to worker', { taskId, worker: holderName(record), held: record.worker !== undefined, force, reason });
      return true;
    },

    listWorkers() {
      return [...workers.values()].map(toWorkerInfo);
    },

    workerGroup(agentId) {
      return workers.get(agentId)?.registration.group;
    },

    ownerOf(taskId) {
      return ledger.ownerOf(taskId) ?? retained(taskId)?.owner;
    },

    get queueUsage() {
      return ledger.usage;
    },

    listTasks(recentFinished, owner) {
      const summary = (
        row: Pick<StoredTask, 'taskId' | 'toolType' | 'placement' | 'submittedAtMs' | 'attempt'>,
        state: TaskState,
        worker: string,
        finishedAtMs: number,
        cause: string,
      ): TaskSummary => ({
        taskId: row.taskId,
        toolType: row.toolType,
        state,
        worker,
        attempt: row.attempt,
        submittedAtMs: row.submittedAtMs,
        finishedAtMs,
        targetWorker: row.placement.worker,
        group: row.placement.group,
        labels: { ...row.placement.labels },
        cause,
      });
      const open = [...tasks.values()]
        .filter((r) => owner === undefined || ledger.ownerOf(r.taskId) === owner)
        .sort((a, b) => a.seq - b.seq)
        .map((r) => summary({ ...r, toolType: r.task.toolType }, phaseState(r.phase), leased(r) ? holderName(r) : '', 0, ''));
      const finished = closed || recentFinished <= 0 ? [] : store.recentFinished(recentFinished, owner);
      return [
        ...open,
        ...finished.map((row) =>
          summary(row, row.result?.state ?? TaskState.TASK_STATE_UNSPECIFIED, row.result?.worker ?? row.worker, row.finishedAtMs ?? 0, row.result?.cause ?? ''),
        ),
      ];
    },

    getTask(taskId) {
      const record = tasks.get(taskId);
      if (record) {
        return {
          taskId,
          state: phaseState(record.phase),
          result: undefined,
          worker: leased(record) ? holderName(record) : '',
          attempt: record.attempt,
          toolType: record.task.toolType,
        };
      }
      const row = retained(taskId);
      if (!row?.result) return undefined;
      return { taskId, state: row.result.state, result: row.result, worker: row.result.worker, attempt: row.attempt, toolType: row.toolType };
    },

    getResult(taskId) {
      return retained(taskId)?.result;
    },

    sweep() {
      if (closed) return;
      const t = now();
      for (const worker of [...workers.values()]) {
        if (worker.lastHeartbeatMs < t - workerTimeoutMs) {
          removeWorker(worker, `no heartbeat for more than ${workerTimeoutMs} ms`);
          observe((o) => o.workerRemoved(worker, 'HEARTBEAT_TIMEOUT'));
        }
      }
      for (const record of [...tasks.values()]) {
        if (leased(record) && record.leaseDeadlineMs !== undefined && record.leaseDeadlineMs < t) {
          loseLease(record, `its lease was not renewed for ${workerTimeoutMs} ms`);
        }
      }
      const holdsOver = queue.filter((r) => r.holdUntilMs !== 0 && r.holdUntilMs <= t);
      if (holdsOver.length > 0) {
        dispatchQueued();
        for (const record of holdsOver) record.holdUntilMs = 0;
      }
      pruneResults();
    },

    get shuttingDown() {
      return shuttingDown;
    },

    shutdown(reason) {
      if (shuttingDown) return;
      shuttingDown = true;
      for (const record of tasks.values()) {
        record.subscriber.fail(new Error(`${reason}; task ${record.taskId} is kept and goes on when the orchestrator is back`));
      }
      for (const worker of workers.values()) {
        worker.commands.end(); // its stream sends what is queued, then ends normally
      }
      workers.clear();
      logger.info('broker stopped', { unfinishedTasks: tasks.size });
    },

    close() {
      closed = true;
    },
  };
}
