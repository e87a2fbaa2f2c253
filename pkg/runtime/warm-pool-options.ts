import type Dockerode from 'dockerode';
import type { PinnedMount } from '../mounts/index.js';
import type { ContainerRunner } from './container-runner.js';
import type { WarmPoolLimits } from './plan-warm-pool.js';

/** The few logger methods the pool uses (a winston Logger has them). */
export interface WarmPoolLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export interface WarmPoolOptions extends WarmPoolLimits {
  readonly docker: Dockerode;
  /** Creates, starts and follows the containers (warm and cold runs alike). */
  readonly runner: ContainerRunner;
  /** On every warm container's labels, so that the reaper knows whose it is. */
  readonly workerId: string;
  readonly bootId: string;
  /**
   * The longest a task that claims a warm container may run (its timeout, stop grace, removal):
   * part of the warm container's deadline label. A task whose deadline lies past it runs cold.
   */
  readonly maxTaskMs: number;
  /** A warm container older than this is replaced even while its key is in use (default: 10 minutes, at least `idleMs`). */
  readonly maxAgeMs?: number;
  /** How often idle containers are looked for (default: a quarter of `idleMs`, between 250 ms and 5 s). */
  readonly sweepIntervalMs?: number;
  /** How often a summary line is logged at info, when anything happened (default 5 minutes). */
  readonly summaryIntervalMs?: number;
  readonly logger?: WarmPoolLogger;
  readonly now?: () => number;
  /**
   * Pins the directory of a key's mount again for a new warm container: opens `origin` anew and
   * fails unless it is still the directory `identity` names (see MountPinner). Without it, tasks
   * with a mount always run cold.
   */
  readonly repin?: (mount: { readonly origin: string; readonly identity: string }) => Promise<PinnedMount>;
}

/** One key's counters and warm containers, as the stats report them. */
export interface WarmKeyStats {
  readonly key: string;
  /** `image mount:ro|rw network runtime`. */
  readonly description: string;
  readonly warm: number;
  readonly warming: number;
  readonly hits: number;
  readonly misses: number;
  readonly lastUsedMs: number;
}

export interface WarmPoolStats {
  readonly keys: readonly WarmKeyStats[];
  readonly totals: {
    readonly warm: number;
    readonly warming: number;
    /** Tasks that ran in a warm container. */
    readonly hits: number;
    /** Tasks of a poolable image that found no warm container and ran cold. */
    readonly misses: number;
    /** Tasks that always run cold: their image has no start shim, or their command cannot go through it. */
    readonly bypassed: number;
    /** Warm containers removed unused: idle, too old, evicted for another key, dead, or at close. */
    readonly expired: number;
    readonly evicted: number;
    /** Containers that could not be warmed (create, start or the confinement check failed). */
    readonly warmFailures: number;
  };
}
