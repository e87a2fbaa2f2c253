import { TaskState, type Task, type TaskResult } from '../gen/agent/v1/agent.js';
import { createAttemptOutput, type AttemptOutput } from './attempt-output.js';
import type { CancelRequest, LeaseHolder } from './task-store.js';
import { createTaskSubscriber, type TaskSubscriber } from './task-subscriber.js';
import type { WorkerRecord } from './worker-record.js';
import type { Placement } from '../placement/placement.js';

/**
 * Where an unfinished task is: `queued` (waiting for a worker), `assigned` (leased to a worker),
 * `running` (leased, and the worker said its container runs). Finished tasks leave memory; their
 * results live in the TaskStore.
 */
export type TaskPhase = 'queued' | 'assigned' | 'running' | 'finished';

/** An unfinished task as the broker tracks it in memory (its durable part mirrors the TaskStore row). */
export interface BrokerTask {
  readonly taskId: string;
  /** Submission order: the queue is kept in it. */
  readonly seq: number;
  readonly task: Task;
  /** Where the client asked it to run (worker, group, labels); empty fields for any. */
  readonly placement: Placement;
  /** Unix ms. */
  readonly submittedAtMs: number;
  readonly builtin: boolean;
  phase: TaskPhase;
  /** Number of the current or last assignment; 0 before the first. */
  attempt: number;
  /** Epoch of the current or last lease; grows with every assignment. */
  leaseEpoch: number;
  /** When the current lease is taken away unless renewed (set while assigned or running). */
  leaseDeadlineMs: number | undefined;
  /** The worker holding the lease, when it is known (after a restart it is not, until claimed). */
  worker: WorkerRecord | undefined;
  /** Name of the lease holder (kept across restarts), or of the last one. */
  workerName: string;
  /** Agent ids that ran earlier attempts: dispatch prefers others. */
  readonly triedBy: Set<string>;
  assignedAtMs: number | undefined;
  /** Epoch whose `completed` was accepted (0: none): a second delivery is acknowledged, not applied. */
  resultEpoch: number;
  /** Agent id of the worker whose result of resultEpoch was accepted (its resend alone is acknowledged again). */
  resultFrom?: string;
  /** A cancel asked for while the task was leased; it finishes CANCELLED if the lease is lost. */
  cancel: CancelRequest | undefined;
  /**
   * While queued: until when a task nobody can serve waits instead of failing NO_WORKER (tasks
   * restored after a restart, re-queued ones, and those queued when a worker left).
   */
  holdUntilMs: number;
  /** While queued for another attempt: not assigned before this (Unix ms; 0 for no backoff). */
  notBeforeMs: number;
  /**
   * While queued after a lost lease: that lease's epoch and holder (its finished result may still
   * be accepted until the task is assigned again, lease-rules.ts judgeCompleted).
   */
  lostLease: { readonly epoch: number; readonly holder: LeaseHolder } | undefined;
  /** The result of the last retryable end (a lost lease, a retryable result): final if no retry happens. */
  lastFailure: TaskResult | undefined;
  /**
   * A worker's result the store could not take (disk full): not acknowledged (the worker keeps
   * and resends it); the sweep tries to store it again.
   */
  pendingResult: { readonly agentId: string; readonly leaseEpoch: number; readonly reported: TaskResult } | undefined;
  /** Output of the current attempt: capped for the result, and what came of each stream. */
  output: AttemptOutput;
  readonly subscriber: TaskSubscriber;
}

export function createBrokerTask(input: {
  taskId: string;
  seq: number;
  task: Task;
  placement: Placement;
  submittedAtMs: number;
  builtin: boolean;
  outputCapBytes: number;
  subscriberBufferBytes: number;
  subscriberStallMs?: number;
}): BrokerTask {
  return {
    taskId: input.taskId,
    seq: input.seq,
    task: input.task,
    placement: input.placement,
    submittedAtMs: input.submittedAtMs,
    builtin: input.builtin,
    phase: 'queued',
    attempt: 0,
    leaseEpoch: 0,
    leaseDeadlineMs: undefined,
    worker: undefined,
    workerName: '',
    triedBy: new Set(),
    assignedAtMs: undefined,
    resultEpoch: 0,
    cancel: undefined,
    holdUntilMs: 0,
    notBeforeMs: 0,
    lostLease: undefined,
    pendingResult: undefined,
    lastFailure: undefined,
    output: createAttemptOutput(input.outputCapBytes),
    subscriber: createTaskSubscriber({
      maxBufferedBytes: input.subscriberBufferBytes,
      ...(input.subscriberStallMs === undefined ? {} : { stallMs: input.subscriberStallMs }),
    }),
  };
}

/** Leased to a worker: assigned or running. */
export function isLeased(task: BrokerTask): boolean {
  return task.phase === 'assigned' || task.phase === 'running';
}

/** Whether (task, epoch) is the task's lease in force. */
export function holdsLease(task: BrokerTask, leaseEpoch: number): boolean {
  return isLeased(task) && leaseEpoch > 0 && leaseEpoch === task.leaseEpoch;
}

/** Whether `worker` held the task's lost lease (by agent id, or the one it proved when it registered anew). */
export function heldLostLease(task: BrokerTask, worker: Pick<WorkerRecord, 'agentId' | 'provenFormerId'>): boolean {
  const holder = task.lostLease?.holder.agentId;
  return holder !== undefined && holder !== '' && (holder === worker.agentId || holder === worker.provenFormerId);
}

/** The lease holder's name (or the last one's), for messages and views. */
export function holderName(task: BrokerTask): string {
  return task.worker ? task.worker.registration.name : task.workerName || 'unknown';
}

/** Where a queued task goes in the queue: after every task submitted before it. */
export function queueIndex(queue: readonly BrokerTask[], task: BrokerTask): number {
  let index = queue.length;
  while (index > 0 && queue[index - 1]!.seq > task.seq) index -= 1;
  return index;
}

/** The state GetTask reports for an unfinished task. */
export function phaseState(phase: TaskPhase): TaskState {
  return phase === 'queued' ? TaskState.TASK_STATE_QUEUED : TaskState.TASK_STATE_RUNNING;
}
