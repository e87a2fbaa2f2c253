import type { TaskResult } from '../gen/agent/v1/agent.js';
import type { afterLeaseLoss } from './lease-rules.js';
import type { WorkerRegistration } from './worker-record.js';

/** A task as observers see it (the broker's own record fits; observers only read it). */
export interface ObservedTask {
  readonly taskId: string;
  readonly task: { readonly toolType: string };
  /** Unix ms. */
  readonly submittedAtMs: number;
  /** The current or last attempt (0: never assigned). */
  readonly attempt: number;
}

/** A registered worker as observers see it. */
export interface ObservedWorker {
  readonly agentId: string;
  readonly registration: Pick<WorkerRegistration, 'name' | 'group' | 'capabilities'>;
}

/** What comes of a lost lease (lease-rules.ts). */
export type LeaseLossDecision = ReturnType<typeof afterLeaseLoss>;

/** Why a worker left the broker (shutdown is not a removal: the broker stops as a whole). */
export type WorkerRemoval = 'UNREGISTERED' | 'HEARTBEAT_TIMEOUT';

/**
 * What the broker tells as it happens, for metrics (TaskBrokerOptions.observer). Called
 * synchronously from inside the broker's state changes, with the broker's clock: an observer
 * must be quick and must not call back into the broker. One that throws is logged, never
 * breaks the broker.
 */
export interface BrokerObserver {
  /** A task was stored, before it is placed, queued or refused (an invalid one finishes at once). */
  taskSubmitted(task: ObservedTask): void;
  /** A lease was given to a worker; `task.attempt` is its number (1: the first assignment). */
  taskAssigned(task: ObservedTask, worker: ObservedWorker, atMs: number): void;
  /** A task reached its final state. */
  taskFinished(task: ObservedTask, result: Pick<TaskResult, 'state' | 'cause'>, atMs: number): void;
  /** The lease in force was taken away (worker gone, restarted, or silent), and what comes of it. */
  leaseLost(task: ObservedTask, then: LeaseLossDecision): void;
  /** A task went back to the queue for another attempt; `failure` is how the last one ended. */
  taskRequeued(task: ObservedTask, failure: Pick<TaskResult, 'cause'>): void;
  /** A worker registered, or resumed its registration (after a reconnect). */
  workerRegistered(worker: ObservedWorker, resumed: boolean): void;
  workerRemoved(worker: ObservedWorker, reason: WorkerRemoval): void;
}
