import type { Logger } from 'winston';
import type { TaskResult } from '../gen/agent/v1/agent.js';
import { isBuiltinToolType } from '../protocol/index.js';
import { DEFAULT_QUEUE_LIMITS } from '../config/queue-limit-option-specs.js';
import { assembleResult, type AttemptOutcome } from './attempt-outcome.js';
import type { BrokerObserver } from './broker-observer.js';
import { createBrokerTask, type BrokerTask } from './broker-task.js';
import { createQueueLedger, type QueueLedger } from './queue-ledger.js';
import type { TaskBrokerOptions } from './task-broker-options.js';
import type { LeaseHolder, StoredTask, TaskStore } from './task-store.js';
import type { WorkerRecord } from './worker-record.js';

/**
 * What the parts of the broker share (worker-registry.ts, task-lifecycle.ts, dispatch-queue.ts,
 * worker-session.ts, broker-views.ts): its options, the registered workers, the unfinished
 * tasks, the queue and the leases restored from the store. Synchronous and single-threaded.
 */
export interface BrokerState {
  readonly options: TaskBrokerOptions;
  readonly logger: Logger;
  readonly store: TaskStore;
  readonly now: () => number;
  readonly workerTimeoutMs: number;
  readonly maxAttempts: number;
  /** Registered workers by agent id. */
  readonly workers: Map<string, WorkerRecord>;
  /** Unfinished tasks by task id. */
  readonly tasks: Map<string, BrokerTask>;
  /** Tasks waiting for a worker, in submission order. */
  queue: BrokerTask[];
  /** Leases restored from the store that no worker has claimed yet, with the holder the store names. */
  readonly orphans: Map<BrokerTask, LeaseHolder | undefined>;
  /** Owner and size of every unfinished task (the queue limits). */
  readonly ledger: QueueLedger;
  /** Neither dispatching nor taking tasks (shutdown). */
  shuttingDown: boolean;
  /** The store may be closed: it is no longer touched. */
  closed: boolean;
  /** Why the last write to the store failed (SQLITE_FULL, ENOSPC, ...), until one succeeds again; undefined while it works. */
  readonly storeProblem: string | undefined;
  /**
   * Whether `write` (a store write, about `what`) succeeded (or the store is closed). A failure
   * (a full disk) sets storeProblem, logged when it is new; a success ends it. The caller changes
   * nothing in memory after a failure: what is not durably stored is not done.
   */
  tryWrite(what: string, write: () => void): boolean;
  /** A new task in memory for a stored row (queued, attempt 0). */
  newTask(row: Pick<StoredTask, 'taskId' | 'seq' | 'task' | 'placement' | 'submittedAtMs'>): BrokerTask;
  /** The result clients get for an attempt's outcome (output assembled, capped). */
  result(task: BrokerTask, outcome: AttemptOutcome): TaskResult;
  /** Tells the observer, if any; one that throws is logged and changes nothing here. */
  observe(tell: (observer: BrokerObserver) => void): void;
  /** Drops finished tasks past the retention limits. */
  pruneResults(): void;
}

export function createBrokerState(options: TaskBrokerOptions): BrokerState {
  const { logger, store, now } = options;
  const capBytes = options.outputCapBytes;
  let storeProblem: string | undefined;
  return {
    options,
    logger,
    store,
    now,
    workerTimeoutMs: options.workerTimeoutMs,
    maxAttempts: options.maxAttempts,
    workers: new Map(),
    tasks: new Map(),
    queue: [],
    orphans: new Map(),
    ledger: createQueueLedger(options.queueLimits ?? DEFAULT_QUEUE_LIMITS),
    shuttingDown: false,
    closed: false,
    get storeProblem() {
      return storeProblem;
    },
    tryWrite(what, write) {
      if (this.closed) return true;
      try {
        write();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
        if (storeProblem === undefined) logger.error('task store write failed: not ready until it works again', { what, code, error: message });
        storeProblem = `the task store cannot write (${what}): ${code === '' ? '' : `${code}: `}${message}`;
        return false;
      }
      if (storeProblem !== undefined) logger.info('task store writes again', { previously: storeProblem });
      storeProblem = undefined;
      return true;
    },
    newTask: (row) =>
      createBrokerTask({
        ...row,
        builtin: isBuiltinToolType(row.task.toolType),
        outputCapBytes: capBytes,
        subscriberBufferBytes: options.subscriberBufferBytes,
        ...(options.subscriberStallMs === undefined ? {} : { subscriberStallMs: options.subscriberStallMs }),
      }),
    result: (task, outcome) => assembleResult(task, outcome, capBytes),
    observe(tell) {
      if (options.observer === undefined) return;
      try {
        tell(options.observer);
      } catch (error) {
        logger.warn('broker observer failed', { error: error instanceof Error ? error.message : String(error) });
      }
    },
    pruneResults() {
      const { retentionMs, maxEntries, maxBytes } = options.retention;
      try {
        store.prune({ finishedBeforeMs: now() - retentionMs, maxEntries, maxBytes });
      } catch (error) {
        // Pruning frees space; it may fail on a full disk: the next one tries again.
        logger.warn('pruning stored results failed', { error: error instanceof Error ? error.message : String(error) });
      }
    },
  };
}
