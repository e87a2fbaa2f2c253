import { Task } from '../gen/agent/v1/agent.js';
import { QUEUE_LIMIT_FLAGS, type QueueLimits } from '../config/queue-limit-option-specs.js';

/** What the orchestrator holds now: unfinished tasks, their encoded bytes, and tasks per owner. */
export interface QueueUsage {
  readonly tasks: number;
  readonly bytes: number;
  tasksOf(owner: string): number;
}

/** Why a submission is refused: the limit it would pass, named by its option. */
export interface QueueRefusal {
  readonly limit: keyof QueueLimits;
  readonly message: string;
}

/**
 * Whether one more task of `owner`, `bytes` long, fits the limits. Pure. Every owner, admins
 * and the local socket's included, has the same per-client limit.
 */
export function checkQueueLimits(limits: QueueLimits, usage: QueueUsage, owner: string, bytes: number): QueueRefusal | undefined {
  const refuse = (limit: keyof QueueLimits, what: string): QueueRefusal => ({
    limit,
    message: `${what} (${QUEUE_LIMIT_FLAGS[limit]} ${limits[limit]}); try again when some have finished`,
  });
  if (usage.tasks + 1 > limits.maxQueuedTasks) {
    return refuse('maxQueuedTasks', `the orchestrator holds ${usage.tasks} unfinished tasks, its limit`);
  }
  if (usage.bytes + bytes > limits.maxQueuedBytes) {
    return refuse('maxQueuedBytes', `the unfinished tasks take ${usage.bytes} bytes; this one (${bytes} bytes) would pass the limit`);
  }
  const mine = usage.tasksOf(owner);
  if (mine + 1 > limits.maxTasksPerClient) {
    return refuse('maxTasksPerClient', `this client has ${mine} unfinished tasks, its limit`);
  }
  return undefined;
}

/** A submission refused by a queue limit: the gRPC layer answers RESOURCE_EXHAUSTED with its message. */
export class QueueLimitError extends Error {
  override readonly name = 'QueueLimitError';
  readonly code = 'QUEUE_LIMIT';

  constructor(readonly refusal: QueueRefusal) {
    super(refusal.message);
  }
}

export function isQueueLimitError(error: unknown): error is QueueLimitError {
  return error instanceof QueueLimitError;
}

/**
 * The unfinished tasks the broker holds, by id: whose each is and how large, with running
 * totals. The broker adds a task when it is submitted (`admit`, which applies the limits) or
 * restored (`add`, which does not: it was admitted before) and removes it when it finishes.
 */
export interface QueueLedger {
  readonly usage: QueueUsage;
  /** Adds a new task, or throws QueueLimitError (nothing changes). */
  admit(taskId: string, owner: string, bytes: number): void;
  add(taskId: string, owner: string, bytes: number): void;
  remove(taskId: string): void;
  /** The owner of an unfinished task; undefined when the ledger does not hold it. */
  ownerOf(taskId: string): string | undefined;
}

export function createQueueLedger(limits: QueueLimits): QueueLedger {
  const entries = new Map<string, { owner: string; bytes: number }>();
  const perOwner = new Map<string, number>();
  let bytes = 0;
  const usage: QueueUsage = {
    get tasks() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
    tasksOf: (owner) => perOwner.get(owner) ?? 0,
  };
  const add = (taskId: string, owner: string, size: number): void => {
    if (entries.has(taskId)) return;
    entries.set(taskId, { owner, bytes: size });
    perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
    bytes += size;
  };
  return {
    usage,
    admit(taskId, owner, size) {
      const refusal = checkQueueLimits(limits, usage, owner, size);
      if (refusal !== undefined) throw new QueueLimitError(refusal);
      add(taskId, owner, size);
    },
    add,
    remove(taskId) {
      const entry = entries.get(taskId);
      if (entry === undefined) return;
      entries.delete(taskId);
      bytes -= entry.bytes;
      const left = (perOwner.get(entry.owner) ?? 1) - 1;
      if (left === 0) perOwner.delete(entry.owner);
      else perOwner.set(entry.owner, left);
    },
    ownerOf(taskId) {
      return entries.get(taskId)?.owner;
    },
  };
}

/** The encoded size of a task: what the ledger counts for it (the writer's length; nothing is copied). */
export function encodedTaskBytes(task: Task): number {
  return Task.encode(task).len;
}
