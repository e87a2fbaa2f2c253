import { CancelOutcome, OrchestratorMessage, TaskState, type TaskResult } from '../gen/agent/v1/agent.js';
import { createAttemptOutput } from './attempt-output.js';
import { orchestratorOutcome, workerOutcome, type OrchestratorError } from './attempt-outcome.js';
import type { BrokerState } from './broker-state.js';
import { heldLostLease, holderName, isLeased, queueIndex, type BrokerTask } from './broker-task.js';
import { judgeReporter } from './lease-holder-rules.js';
import { afterLeaseLoss, afterResult, judgeCompleted, retryDelayMs, type LeaseView } from './lease-rules.js';
import { leaseHolderOf, type WorkerRecord } from './worker-record.js';

/**
 * A task's life from its first lease to its result: assign (a lease with a new epoch), claim (a
 * message of the lease in force renews it, or moves a restored lease to its proven holder), lose
 * the lease, requeue, finish. Each change is written to the store as it happens. Lease rules:
 * lease-rules.ts; who may report: lease-holder-rules.ts.
 */
export interface TaskLifecycle {
  /**
   * Leases `task` to `worker` (the next attempt, a new epoch) and sends it the assignment; true.
   * An assignment larger than the worker accepts (its max_receive_message_bytes) is not sent:
   * the task fails MESSAGE_TOO_LARGE at once, and assign returns false.
   */
  assign(task: BrokerTask, worker: WorkerRecord): boolean;
  /**
   * Whether `worker` may report on `task`'s lease in force (a message on its stream, a result,
   * a heartbeat's lease): its holder, or the proven holder of a restored lease. Anyone else is
   * logged and changes nothing.
   */
  mayReport(task: BrokerTask, worker: WorkerRecord, what: string): boolean;
  /** A message or heartbeat of the lease in force from its holder (mayReport): renews it, and moves a restored lease to it. */
  claim(task: BrokerTask, worker: WorkerRecord): void;
  /** The lease in force is taken away: cancelled (a cancel was pending), re-queued, or failed WORKER_LOST. */
  loseLease(task: BrokerTask, why: string): void;
  /** Takes away every lease whose deadline is before `nowMs`. */
  expireLeases(nowMs: number): void;
  /**
   * The final result: stored, then the task leaves memory (and the queue) and its result goes to
   * its client. False, changing nothing, when the store cannot write it.
   */
  finish(task: BrokerTask, final: TaskResult, resultEpoch: number): boolean;
  /** Tries again to store the results the store could not take (the sweep). */
  retryPendingResults(): void;
  /** Nobody can run it: fails with the last retryable end when there was one, else with `error`. */
  finishUnplaceable(task: BrokerTask, error: OrchestratorError): void;
  /** Sends the task's pending cancel, if any, to `worker` (its lease holder). */
  pushCancel(worker: WorkerRecord, task: BrokerTask): void;
  /** False when the task is unknown or already finished. */
  cancel(taskId: string, options: { force: boolean; reason: string }): boolean;
  /**
   * The lease holder's CancelReply about the lease in force (the caller checked both):
   * UNKNOWN (nothing runs there) ends a task whose cancel is pending CANCELLED at once, freeing
   * its slot; CANCELLING and FINISHED renew the lease, and the worker's result ends the task.
   */
  cancelReplied(task: BrokerTask, worker: WorkerRecord, outcome: CancelOutcome): void;
  /**
   * A worker's `completed` for (task, epoch): stored, refused or acknowledged again, and answered
   * with an ack; a result the store cannot take is not acknowledged (retryPendingResults).
   */
  acceptResult(worker: WorkerRecord, taskId: string, leaseEpoch: number, reported: TaskResult): void;
}

export function createTaskLifecycle(state: BrokerState, dispatch: { dispatchQueued(): void }): TaskLifecycle {
  const { logger, store, now, workerTimeoutMs, maxAttempts } = state;
  const nameOf = (worker: WorkerRecord): string => worker.registration.name;

  function finish(task: BrokerTask, final: TaskResult, resultEpoch: number, deliveredBy?: WorkerRecord, onStored?: () => void): boolean {
    if (task.phase === 'finished') return true;
    const deliverer = deliveredBy ? { deliveredBy: leaseHolderOf(deliveredBy) } : {};
    if (!state.tryWrite(`the result of task ${task.taskId}`, () => store.finished(task.taskId, final, { resultEpoch, finishedAtMs: now(), ...deliverer }))) return false;
    onStored?.();
    task.phase = 'finished';
    state.tasks.delete(task.taskId);
    state.ledger.remove(task.taskId);
    state.orphans.delete(task);
    state.queue = state.queue.filter((r) => r !== task);
    const freedSlot = task.worker?.tasks.delete(task.taskId) ?? false;
    task.leaseDeadlineMs = undefined;
    state.observe((o) => o.taskFinished(task, final, now()));
    task.subscriber.send({ taskId: task.taskId, event: { $case: 'result', result: final } });
    task.subscriber.end();
    logger.debug('task finished', {
      taskId: task.taskId,
      toolType: task.task.toolType,
      state: TaskState[final.state],
      cause: final.cause,
      worker: final.worker,
      attempt: final.attempt,
    });
    if (!state.closed) state.pruneResults();
    if (freedSlot) dispatch.dispatchQueued();
    return true;
  }

  function pushCancel(worker: WorkerRecord, task: BrokerTask): void {
    if (!task.cancel) return;
    worker.commands.push({ taskId: task.taskId, command: { $case: 'cancel', cancel: { ...task.cancel, leaseEpoch: task.leaseEpoch } } });
  }

  function assign(task: BrokerTask, worker: WorkerRecord): boolean {
    const assignment: OrchestratorMessage = {
      taskId: task.taskId,
      command: { $case: 'assign', assign: { task: task.task, leaseEpoch: task.leaseEpoch + 1, attempt: task.attempt + 1 } },
    };
    const bytes = OrchestratorMessage.encode(assignment).finish().length;
    const limit = worker.registration.maxReceiveMessageBytes;
    if (bytes > limit) {
      const message = `the assignment is ${bytes} bytes, more than the ${limit} bytes worker ${nameOf(worker)} accepts (its max_receive_message_bytes); it was not sent`;
      logger.warn('task too large for its worker: failed without sending it', { taskId: task.taskId, worker: nameOf(worker), bytes, limit });
      finish(task, state.result(task, orchestratorOutcome({ code: 'MESSAGE_TOO_LARGE', message })), task.resultEpoch);
      return false;
    }
    task.phase = 'assigned';
    task.attempt += 1;
    task.leaseEpoch += 1;
    task.worker = worker;
    task.workerName = nameOf(worker);
    task.triedBy.add(worker.agentId);
    task.assignedAtMs = now();
    task.leaseDeadlineMs = now() + workerTimeoutMs;
    task.holdUntilMs = 0;
    task.notBeforeMs = 0;
    task.lostLease = undefined;
    worker.tasks.add(task.taskId);
    store.assigned(task.taskId, { attempt: task.attempt, leaseEpoch: task.leaseEpoch, worker: task.workerName, holder: leaseHolderOf(worker) });
    state.observe((o) => o.taskAssigned(task, worker, now()));
    worker.commands.push(assignment);
    logger.debug('task assigned', {
      taskId: task.taskId,
      toolType: task.task.toolType,
      worker: task.workerName,
      attempt: task.attempt,
      leaseEpoch: task.leaseEpoch,
      bytes,
    });
    return true;
  }

  function finishUnplaceable(task: BrokerTask, error: OrchestratorError): void {
    const last = task.lastFailure;
    if (last === undefined) {
      finish(task, state.result(task, orchestratorOutcome(error)), task.resultEpoch);
      return;
    }
    const note = `not run again: ${error.message}`;
    const lastError = last.error ? { ...last.error, message: `${last.error.message}; ${note}` } : undefined;
    finish(task, { ...last, error: lastError }, task.resultEpoch);
  }

  /**
   * Back to the queue for another attempt; `failure` is how this attempt ended. False (nothing
   * changes) when the store cannot write it.
   */
  function requeue(task: BrokerTask, failure: TaskResult, why: string, resultEpoch = task.resultEpoch, onStored?: () => void): boolean {
    if (!state.tryWrite(`task ${task.taskId} queued again`, () => store.requeued(task.taskId, { lastFailure: failure, resultEpoch }))) return false;
    onStored?.();
    task.worker?.tasks.delete(task.taskId);
    task.worker = undefined;
    state.orphans.delete(task);
    task.phase = 'queued';
    task.leaseDeadlineMs = undefined;
    task.lastFailure = failure;
    task.holdUntilMs = now() + workerTimeoutMs;
    task.notBeforeMs = now() + retryDelayMs(task.attempt, state.options.random ?? Math.random);
    task.output = createAttemptOutput(state.options.outputCapBytes);
    task.subscriber.newAttempt();
    state.observe((o) => o.taskRequeued(task, failure));
    state.queue.splice(queueIndex(state.queue, task), 0, task);
    logger.info('task queued again', { taskId: task.taskId, attempt: task.attempt, maxAttempts, why, retryInMs: task.notBeforeMs - now() });
    dispatch.dispatchQueued();
    return true;
  }

  function loseLease(task: BrokerTask, why: string): void {
    if (!isLeased(task)) return;
    const ranForMs = task.assignedAtMs === undefined ? 0 : now() - task.assignedAtMs;
    const holder = holderName(task);
    const decision = afterLeaseLoss({ attempt: task.attempt, maxAttempts, cancelPending: task.cancel !== undefined });
    logger.warn('lease lost', { taskId: task.taskId, worker: holder, attempt: task.attempt, leaseEpoch: task.leaseEpoch, why, then: decision });
    state.observe((o) => o.leaseLost(task, decision));
    switch (decision) {
      case 'cancelled': {
        const message = `cancelled (${task.cancel?.reason ?? ''}); worker ${holder} lost the lease before confirming: ${why}`;
        finish(task, state.result(task, orchestratorOutcome({ code: 'CANCELLED', message }, ranForMs, TaskState.TASK_STATE_CANCELLED)), task.resultEpoch);
        return;
      }
      case 'retry': {
        const lostHolder = task.worker ? leaseHolderOf(task.worker) : state.orphans.get(task);
        const lostLease = lostHolder === undefined ? undefined : { epoch: task.leaseEpoch, holder: lostHolder };
        requeue(task, state.result(task, orchestratorOutcome({ code: 'WORKER_LOST', message: `worker ${holder} was lost: ${why}` }, ranForMs)), why, task.resultEpoch, () => {
          task.lostLease = lostLease;
        });
        return;
      }
      case 'fail': {
        const message = `worker ${holder} was lost: ${why} (attempt ${task.attempt} of ${maxAttempts})`;
        finish(task, state.result(task, orchestratorOutcome({ code: 'WORKER_LOST', message }, ranForMs)), task.resultEpoch);
        return;
      }
    }
  }

  function mayReport(task: BrokerTask, worker: WorkerRecord, what: string): boolean {
    const verdict = judgeReporter(
      { holderAgentId: task.worker?.agentId, restoredHolderId: state.orphans.get(task)?.agentId ?? '', group: task.placement.group },
      { agentId: worker.agentId, group: worker.registration.group, provenFormerId: worker.provenFormerId },
    );
    if (verdict !== 'not-holder') return true;
    logger.warn('a worker that does not hold the lease reported on it: dropped', {
      taskId: task.taskId,
      leaseEpoch: task.leaseEpoch,
      what,
      worker: nameOf(worker),
      agentId: worker.agentId,
      group: worker.registration.group,
      holder: holderName(task),
    });
    return false;
  }

  function claim(task: BrokerTask, worker: WorkerRecord): void {
    task.leaseDeadlineMs = now() + workerTimeoutMs;
    if (task.worker === worker) return;
    const previous = holderName(task);
    task.worker?.tasks.delete(task.taskId);
    task.worker = worker;
    state.orphans.delete(task);
    worker.tasks.add(task.taskId);
    task.triedBy.add(worker.agentId);
    // The holder's new agent id (and token) from now on, also for a restart before the result.
    task.workerName = nameOf(worker);
    store.workerChanged(task.taskId, task.workerName, leaseHolderOf(worker));
    logger.info('lease claimed', { taskId: task.taskId, leaseEpoch: task.leaseEpoch, worker: task.workerName, agentId: worker.agentId, previous });
    // A cancel asked for while nobody held the lease (or sent on a stream that was lost).
    pushCancel(worker, task);
  }

  function cancelReplied(task: BrokerTask, worker: WorkerRecord, outcome: CancelOutcome): void {
    const fields = { taskId: task.taskId, leaseEpoch: task.leaseEpoch, worker: nameOf(worker), outcome: CancelOutcome[outcome] ?? outcome };
    if (outcome !== CancelOutcome.CANCEL_OUTCOME_UNKNOWN) {
      claim(task, worker);
      logger.debug('cancel reply: the worker has the task; its result ends it', fields);
      return;
    }
    if (task.cancel === undefined) {
      logger.warn('cancel reply UNKNOWN for a task with no cancel pending: ignored', fields);
      return;
    }
    logger.info('cancel reply UNKNOWN: the worker does not have the task; cancelled', fields);
    const message = `cancelled (${task.cancel.reason}); worker ${nameOf(worker)} did not have it (cancel reply UNKNOWN)`;
    finish(task, state.result(task, orchestratorOutcome({ code: 'CANCELLED', message }, 0, TaskState.TASK_STATE_CANCELLED)), task.resultEpoch);
  }

  const ack = (worker: WorkerRecord, taskId: string, leaseEpoch: number, accepted: boolean): void => {
    worker.commands.push({ taskId, command: { $case: 'ack', ack: { leaseEpoch, accepted } } });
  };

  function acceptResult(worker: WorkerRecord, taskId: string, leaseEpoch: number, reported: TaskResult): void {
    const task = state.tasks.get(taskId);
    let view: LeaseView | undefined;
    let storedBy: string | undefined;
    if (task) {
      view = {
        leased: isLeased(task),
        leaseEpoch: task.leaseEpoch,
        resultEpoch: task.resultEpoch,
        queued: task.phase === 'queued',
        lostLeaseByReporter: task.lostLease?.epoch === leaseEpoch && heldLostLease(task, worker),
      };
    } else {
      const row = state.closed ? undefined : store.get(taskId);
      if (row?.state === 'finished') view = { leased: false, leaseEpoch: row.leaseEpoch, resultEpoch: row.resultEpoch };
      storedBy = row?.holder?.agentId;
    }
    const verdict = judgeCompleted(view, leaseEpoch);
    if (verdict === 'stale') {
      ack(worker, taskId, leaseEpoch, false);
      logger.info('result of a lease not in force refused', { taskId, leaseEpoch, worker: nameOf(worker), current: task?.leaseEpoch });
      return;
    }
    if (verdict === 'duplicate' || task === undefined) {
      // A resend of the stored result changes nothing. Only the worker that delivered it (or the
      // same worker registered anew after a restart, proving its old agent id) hears accepted:
      // its first ack was lost. Anyone else is refused, as a non-holder is while the lease runs.
      if (!isDeliverer(task ? task.resultFrom : storedBy, worker)) {
        ack(worker, taskId, leaseEpoch, false);
        logger.warn('a worker that did not deliver the stored result sent it again: refused', { taskId, leaseEpoch, worker: nameOf(worker), agentId: worker.agentId });
        return;
      }
      ack(worker, taskId, leaseEpoch, true);
      logger.debug('result delivered again; already stored', { taskId, leaseEpoch, worker: nameOf(worker) });
      return;
    }
    if (task.phase === 'queued') reinstate(task, worker);
    if (!mayReport(task, worker, 'completed')) {
      ack(worker, taskId, leaseEpoch, false);
      return;
    }
    claim(task, worker);
    if (reported.cause === 'ENGINE_UNAVAILABLE' && !worker.engineDownReported) {
      // No new task for it until a heartbeat after this result says its engine is back.
      worker.engineDownReported = true;
      logger.warn('worker reported ENGINE_UNAVAILABLE: no new tasks for it until a heartbeat says healthy', { worker: nameOf(worker), agentId: worker.agentId, taskId });
    }
    const final = state.result(task, workerOutcome(reported));
    const decision = afterResult({ retryable: final.retryable, attempt: task.attempt, maxAttempts, cancelPending: task.cancel !== undefined });
    // Acknowledged once durably stored, never before (the worker keeps it until then).
    const onStored = (): void => {
      task.pendingResult = undefined;
      task.resultEpoch = leaseEpoch;
      task.resultFrom = worker.agentId;
      ack(worker, taskId, leaseEpoch, true);
    };
    const applied =
      decision === 'retry'
        ? requeue(task, final, `retryable result ${final.cause} from worker ${nameOf(worker)}`, leaseEpoch, onStored)
        : finish(task, final, leaseEpoch, worker, onStored);
    if (!applied) {
      task.pendingResult = { agentId: worker.agentId, leaseEpoch, reported };
      logger.warn('result not stored: not acknowledged, kept to be stored again', { taskId, leaseEpoch, worker: nameOf(worker), problem: state.storeProblem });
    }
  }

  /** Results the store could not take: stored now if it can (and acknowledged to the worker, if it is still registered). */
  function retryPendingResults(): void {
    for (const task of [...state.tasks.values()]) {
      const pending = task.pendingResult;
      if (pending === undefined) continue;
      task.pendingResult = undefined;
      const worker = state.workers.get(pending.agentId);
      if (worker !== undefined) acceptResult(worker, task.taskId, pending.leaseEpoch, pending.reported);
    }
  }

  /**
   * The result of a lost lease from its holder, while the task waits in the queue, not assigned
   * since (judgeCompleted): the lease is the worker's again, and its result is then applied.
   */
  function reinstate(task: BrokerTask, worker: WorkerRecord): void {
    state.queue = state.queue.filter((r) => r !== task);
    task.phase = 'assigned';
    task.worker = worker;
    task.workerName = nameOf(worker);
    task.lostLease = undefined;
    task.holdUntilMs = 0;
    task.notBeforeMs = 0;
    worker.tasks.add(task.taskId);
    // The store has it queued until its result is stored (or it is queued again).
    logger.info('result of a lost lease accepted: the task had not run elsewhere', { taskId: task.taskId, leaseEpoch: task.leaseEpoch, worker: task.workerName });
  }

  /** Whether `worker` delivered the stored result (by agent id, or the one it proved at Register after a restart). */
  function isDeliverer(storedBy: string | undefined, worker: WorkerRecord): boolean {
    if (storedBy === undefined || storedBy === '') return false;
    return storedBy === worker.agentId || storedBy === worker.provenFormerId;
  }

  return {
    assign,
    mayReport,
    claim,
    loseLease,
    expireLeases(t) {
      for (const task of [...state.tasks.values()]) {
        if (isLeased(task) && task.leaseDeadlineMs !== undefined && task.leaseDeadlineMs < t) {
          loseLease(task, `its lease was not renewed for ${workerTimeoutMs} ms`);
        }
      }
    },
    finish,
    finishUnplaceable,
    pushCancel,
    cancelReplied,
    acceptResult,
    retryPendingResults,
    cancel(taskId, { force, reason }) {
      const task = state.tasks.get(taskId);
      if (!task || state.closed) return false;
      if (task.phase === 'queued') {
        const message = `cancelled before it started: ${reason}`;
        finish(task, state.result(task, orchestratorOutcome({ code: 'CANCELLED', message }, 0, TaskState.TASK_STATE_CANCELLED)), task.resultEpoch);
        return true;
      }
      // The worker stops it and reports a CANCELLED result, which finishes the task.
      task.cancel = { force: force || (task.cancel?.force ?? false), reason };
      store.cancelRequested(taskId, task.cancel);
      if (task.worker) pushCancel(task.worker, task);
      logger.info('task cancel sent to worker', { taskId, worker: holderName(task), held: task.worker !== undefined, force, reason });
      return true;
    },
  };
}
