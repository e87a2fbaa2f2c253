/** What the planner needs to know of one pool key. */
export interface WarmKeyState {
  readonly key: string;
  /** Containers warm and waiting, and being warmed now. */
  readonly warm: number;
  readonly warming: number;
  /** When a task last asked for this key (hit or miss); 0: never. */
  readonly lastUsedMs: number;
  /** Warming failed recently: not retried before this time. */
  readonly retryAfterMs?: number;
}

export interface WarmPoolLimits {
  /** Warm containers kept per key that is in use. */
  readonly perKey: number;
  /** Warm (and warming) containers over all keys. */
  readonly maxTotal: number;
  /** A key not used for this long is not kept warm any more (and its warm containers go). */
  readonly idleMs: number;
}

/** Warm one more container for `key`, first removing one warm container of `evict` to stay within the total. */
export interface WarmStep {
  readonly key: string;
  readonly evict?: string;
}

/** Whether a key is predicted to be used again: it was used within the idle window. */
export function isKeyInUse(lastUsedMs: number, idleMs: number, nowMs: number): boolean {
  return lastUsedMs > 0 && nowMs - lastUsedMs < idleMs;
}

/**
 * The next container to warm, or undefined when every key in use has its `perKey` containers
 * (or the total is reached and no less recently used key has a container to give up). The key
 * used most recently goes first: an agent working on one project hits the same mount again and
 * again. At the total cap, a warm container of the least recently used key makes room for a key
 * used more recently. Pure.
 */
export function planWarmStep(keys: readonly WarmKeyState[], limits: WarmPoolLimits, nowMs: number): WarmStep | undefined {
  if (limits.perKey <= 0 || limits.maxTotal <= 0) return undefined;
  const wanting = keys
    .filter((state) => isKeyInUse(state.lastUsedMs, limits.idleMs, nowMs) && state.warm + state.warming < limits.perKey && (state.retryAfterMs ?? 0) <= nowMs)
    .sort((a, b) => b.lastUsedMs - a.lastUsedMs);
  const first = wanting[0];
  if (first === undefined) return undefined;
  const total = keys.reduce((sum, state) => sum + state.warm + state.warming, 0);
  if (total < limits.maxTotal) return { key: first.key };
  const victim = keys
    .filter((state) => state.key !== first.key && state.warm > 0 && state.lastUsedMs < first.lastUsedMs)
    .sort((a, b) => a.lastUsedMs - b.lastUsedMs)[0];
  return victim === undefined ? undefined : { key: first.key, evict: victim.key };
}
