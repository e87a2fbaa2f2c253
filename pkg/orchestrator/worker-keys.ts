import { workerKeyMatches } from '../rpc/worker-key.js';

/**
 * The worker keys an orchestrator accepts: one for every group (--worker-key), and per-group
 * keys (--group-keys) that replace it for their groups. With a group key set and no
 * --worker-key, workers of other groups are refused.
 */
export interface WorkerKeys {
  /** Whether AgentService calls must carry a key at all. */
  readonly required: boolean;
  /** Whether `presented` is any configured key (checked before any handler runs). */
  isKnown(presented: string | undefined): boolean;
  /** Whether `presented` is the key of `group` (what Register and later calls of its workers must carry). */
  allows(group: string, presented: string | undefined): boolean;
}

export function createWorkerKeys(config: { workerKey?: string; groupKeys?: Readonly<Record<string, string>> }): WorkerKeys {
  const groupKeys = new Map(Object.entries(config.groupKeys ?? {}));
  const shared = config.workerKey;
  const all = [...(shared === undefined ? [] : [shared]), ...groupKeys.values()];
  const required = all.length > 0;
  return {
    required,
    isKnown(presented) {
      if (!required) return true;
      // Every key is compared, so the time taken does not say which one matched.
      let known = false;
      for (const key of all) known = workerKeyMatches(key, presented) || known;
      return known;
    },
    allows(group, presented) {
      if (!required) return true;
      const expected = groupKeys.get(group) ?? shared;
      return expected !== undefined && workerKeyMatches(expected, presented);
    },
  };
}
