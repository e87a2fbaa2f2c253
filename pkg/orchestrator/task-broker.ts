import { createBrokerState } from './broker-state.js';
import { createBrokerViews, type BrokerViews } from './broker-views.js';
import { createDispatchQueue, type DispatchQueue } from './dispatch-queue.js';
import type { QueueUsage } from './queue-ledger.js';
import { restoreTasks } from './restore-tasks.js';
import type { TaskBrokerOptions } from './task-broker-options.js';
import { createTaskLifecycle, type TaskLifecycle } from './task-lifecycle.js';
import { createWorkerRegistry, type WorkerRegistry } from './worker-registry.js';
import { openWorkerSession, type WorkerSession } from './worker-session.js';

export type { TaskBrokerOptions } from './task-broker-options.js';
export type { TaskView } from './broker-views.js';
export type { SubmittedTask } from './dispatch-queue.js';
export type { HeartbeatAnswer, HeartbeatReport, RegisterOutcome } from './worker-registry.js';
export type { WorkerSession } from './worker-session.js';

/**
 * The orchestrator's state: registered workers, unfinished tasks and their leases, the queue of
 * tasks waiting for a worker (in submission order), and dispatch. Every change of a task is
 * written to the TaskStore as it happens. Everything here is synchronous and single-threaded;
 * the gRPC handlers only convert between the wire and these calls. Its parts: the worker
 * registry (worker-registry.ts), the task lifecycle (task-lifecycle.ts; lease rules:
 * lease-rules.ts), the dispatch queue (dispatch-queue.ts), the worker's stream
 * (worker-session.ts; attempt output: attempt-output.ts) and the read views (broker-views.ts).
 */
export interface TaskBroker
  extends Omit<WorkerRegistry, 'removeSilent'>,
    Pick<DispatchQueue, 'submit'>,
    Pick<TaskLifecycle, 'cancel'>,
    BrokerViews {
  /** Opens a TaskStream session (replacing an older one); undefined for an unknown agent id. */
  openSession(agentId: string): WorkerSession | undefined;
  /** Unfinished tasks held now, their bytes, and per owner (what the queue limits count). */
  readonly queueUsage: QueueUsage;
  /**
   * Periodic upkeep: removes workers whose heartbeat is too old (their leases are lost), takes
   * away leases past their deadline, fails held tasks nobody can serve once their wait is over,
   * tries again to store results the store could not take, and drops results past retention.
   */
  sweep(): void;
  readonly shuttingDown: boolean;
  /** Why the task store cannot write (a full disk), until a write works again: the orchestrator is not ready meanwhile. */
  readonly storeProblem: string | undefined;
  /**
   * Stops dispatching and taking tasks, ends every worker stream and every client's task events
   * (with an error: the tasks are kept in the store and go on after a restart).
   */
  shutdown(reason: string): void;
  /** After shutdown, once no call can reach the broker: it no longer touches the store. */
  close(): void;
}

export function createTaskBroker(options: TaskBrokerOptions): TaskBroker {
  const state = createBrokerState(options);
  const lifecycle = createTaskLifecycle(state, { dispatchQueued: () => dispatch.dispatchQueued() });
  const dispatch = createDispatchQueue(state, lifecycle);
  const registry = createWorkerRegistry(state, lifecycle, dispatch);
  const views = createBrokerViews(state);
  restoreTasks(state);

  return {
    ...views,
    registerWorker: registry.registerWorker,
    authenticateWorker: registry.authenticateWorker,
    unregisterWorker: registry.unregisterWorker,
    heartbeat: registry.heartbeat,
    submit: dispatch.submit,
    cancel: lifecycle.cancel,
    openSession: (agentId) => openWorkerSession(state, lifecycle, dispatch, agentId),

    get queueUsage() {
      return state.ledger.usage;
    },

    sweep() {
      if (state.closed) return;
      const t = state.now();
      lifecycle.retryPendingResults();
      registry.removeSilent(t);
      lifecycle.expireLeases(t);
      dispatch.releaseHolds(t);
      state.pruneResults();
    },

    get shuttingDown() {
      return state.shuttingDown;
    },

    get storeProblem() {
      return state.storeProblem;
    },

    shutdown(reason) {
      if (state.shuttingDown) return;
      state.shuttingDown = true;
      for (const task of state.tasks.values()) {
        task.subscriber.fail(new Error(`${reason}; task ${task.taskId} is kept and goes on when the orchestrator is back`));
      }
      for (const worker of state.workers.values()) {
        worker.commands.end(); // its stream sends what is queued, then ends normally
      }
      state.workers.clear();
      state.logger.info('broker stopped', { unfinishedTasks: state.tasks.size });
    },

    close() {
      state.closed = true;
    },
  };
}
