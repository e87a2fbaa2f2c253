import type { Logger } from 'winston';
import type { QueueLimits } from '../config/queue-limit-option-specs.js';
import type { BrokerObserver } from './broker-observer.js';
import type { TaskStore } from './task-store.js';

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
  /** In [0, 1): the jitter of retry backoffs (lease-rules.ts retryDelayMs); default Math.random. */
  readonly random?: () => number;
  /** Told of submissions, assignments, finishes, lost leases, retries and workers coming and going (metrics). */
  readonly observer?: BrokerObserver;
  /** Caps on unfinished tasks, in all and per owner (queue-ledger.ts); default DEFAULT_QUEUE_LIMITS. */
  readonly queueLimits?: QueueLimits;
}
