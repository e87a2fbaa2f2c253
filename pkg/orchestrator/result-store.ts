import type { TaskResult } from '../gen/agent/v1/agent.js';

/**
 * Results of finished tasks, kept for `retentionMs`, at most `maxEntries` of them and at most
 * `maxBytes` of output in all (the oldest go first).
 */
export interface ResultStore {
  add(taskId: string, result: TaskResult): void;
  get(taskId: string): TaskResult | undefined;
  /** Drops expired entries. */
  prune(): void;
  readonly size: number;
  /** Output bytes held. */
  readonly bytes: number;
}

export function createResultStore(options: {
  retentionMs: number;
  maxEntries: number;
  maxBytes: number;
  now: () => number;
}): ResultStore {
  // Map keeps insertion order, which is finishing order: the oldest entries come first.
  const entries = new Map<string, { result: TaskResult; finishedAtMs: number; bytes: number }>();
  let totalBytes = 0;
  const prune = (): void => {
    const oldestKept = options.now() - options.retentionMs;
    for (const [taskId, entry] of entries) {
      if (entries.size <= options.maxEntries && totalBytes <= options.maxBytes && entry.finishedAtMs > oldestKept) break;
      entries.delete(taskId);
      totalBytes -= entry.bytes;
    }
  };
  return {
    add(taskId, result) {
      const previous = entries.get(taskId);
      if (previous) {
        entries.delete(taskId);
        totalBytes -= previous.bytes;
      }
      const bytes = result.stdout.length + result.stderr.length;
      entries.set(taskId, { result, finishedAtMs: options.now(), bytes });
      totalBytes += bytes;
      prune();
    },
    get(taskId) {
      const entry = entries.get(taskId);
      if (entry === undefined || entry.finishedAtMs <= options.now() - options.retentionMs) return undefined;
      return entry.result;
    },
    prune,
    get size() {
      return entries.size;
    },
    get bytes() {
      return totalBytes;
    },
  };
}
