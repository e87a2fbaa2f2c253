import type { OptionSpec } from './option-spec.js';
import { parseByteSize } from './parse-byte-size.js';
import { parseInteger } from './parse-integer.js';

/** How many unfinished tasks (queued or running) the orchestrator holds, and how many bytes of them. */
export interface QueueLimits {
  /** Unfinished tasks in all (--max-queued-tasks). */
  readonly maxQueuedTasks: number;
  /** Encoded size of all unfinished tasks (--max-queued-bytes). */
  readonly maxQueuedBytes: number;
  /** Unfinished tasks of one client (--max-tasks-per-client). */
  readonly maxTasksPerClient: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = Object.freeze({
  maxQueuedTasks: 10_000,
  maxQueuedBytes: 256 * 1024 * 1024,
  maxTasksPerClient: 1000,
});

/** The option (flag) that sets each limit: named in the RESOURCE_EXHAUSTED message. */
export const QUEUE_LIMIT_FLAGS = Object.freeze({
  maxQueuedTasks: '--max-queued-tasks',
  maxQueuedBytes: '--max-queued-bytes',
  maxTasksPerClient: '--max-tasks-per-client',
} satisfies Record<keyof QueueLimits, string>);

export function queueLimitOptionSpecs() {
  return {
    maxQueuedTasks: {
      flag: 'max-queued-tasks',
      key: 'maxQueuedTasks',
      default: String(DEFAULT_QUEUE_LIMITS.maxQueuedTasks),
      metavar: 'n',
      doc: 'Unfinished tasks (queued or running) held at most; a submission past it fails RESOURCE_EXHAUSTED.',
      parse: (raw) => parseInteger(raw, { min: 1 }),
    },
    maxQueuedBytes: {
      flag: 'max-queued-bytes',
      key: 'maxQueuedBytes',
      default: '256MiB',
      metavar: 'size',
      doc: 'Encoded size of all unfinished tasks at most (parameters and file contents they carry); a submission past it fails RESOURCE_EXHAUSTED.',
      parse: (raw) => parseByteSize(raw),
    },
    maxTasksPerClient: {
      flag: 'max-tasks-per-client',
      key: 'maxTasksPerClient',
      default: String(DEFAULT_QUEUE_LIMITS.maxTasksPerClient),
      metavar: 'n',
      doc: 'Unfinished tasks of one client at most (a token\'s name, a certificate\'s CN, or the local admin); a submission past it fails RESOURCE_EXHAUSTED.',
      parse: (raw) => parseInteger(raw, { min: 1 }),
    },
  } satisfies Record<keyof QueueLimits, OptionSpec<number>>;
}
