import { randomBytes } from 'node:crypto';
import type { PinnedMount } from '../mounts/index.js';
import { isWorkerError } from '../errors/index.js';
import { LABELS, poolContainerLabels } from './container-labels.js';
import type { RunOptions, RunsContainers, StartedContainer } from './container-runner.js';
import type { ContainerSpec } from './container-spec.js';
import { isKeyInUse, planWarmStep, type WarmKeyState } from './plan-warm-pool.js';
import type { WarmPoolOptions, WarmPoolStats } from './warm-pool-options.js';
import type { RunEvent } from './run-event.js';
import { describeWarmKey, warmKeySpec, warmPoolKey, type WarmKeySpec } from './warm-pool-key.js';
import { encodeShimHeader, WARM_SHIM_LABEL, WARM_SHIM_PATH, WARM_SHIM_PROTOCOL } from './warm-shim.js';

interface WarmContainer {
  readonly started: StartedContainer;
  readonly slot: string;
  readonly warmedAtMs: number;
  readonly deadlineMs: number;
}

interface KeyEntry {
  readonly key: string;
  readonly spec: WarmKeySpec;
  readonly description: string;
  /** Oldest first: a claim takes the oldest, so none lingers while its key is in use. */
  readonly warm: WarmContainer[];
  warming: number;
  lastUsedMs: number;
  retryAfterMs: number;
  hits: number;
  misses: number;
}

/** Time past its own deadline a warm container is given (stop grace, removal). */
const DEADLINE_SLACK_MS = 30_000;
/** After a failed warm-up, the key is not warmed again for this long. */
const RETRY_AFTER_FAILURE_MS = 5_000;
/** After a key's directory was found away from its path, the key is not warmed again for this long. */
const RETRY_AFTER_MOVE_MS = 250;
const EMPTY = new Uint8Array(0);

/**
 * A pool of containers created and started ahead of their task, each with the full confinement
 * of the task it will run (the same create options, checked with checkIsolation), blocked in the
 * image's start shim on stdin. A task whose key (image, runtime, mount, user, network, limits,
 * working directory) has a warm container claims it: its command, environment and stdin are
 * written to the shim, which execs the command; the run then goes on like a cold one (output,
 * exit, OOM and PID-limit findings, stop on cancel or timeout) and the container is removed
 * afterwards. A container serves one task, never a second. Tasks without a warm container run
 * cold, and their key is warmed for next time.
 *
 * Prediction: a key is kept warm (up to `perKey`) while it was used within `idleMs`; its warm
 * containers are removed once it was not used for that long (or at `maxAgeMs`). Warming runs in
 * the background, one container at a time, after the run that asked for it has ended; the total
 * stays within `maxTotal` (a less recently used key gives up a container for a more recent one).
 * Only images labelled `io.baaaht.warm-shim=1` (the built-in tools image) are pooled; the label is
 * read once per image. Implements RunsContainers, so the task executor uses it like the runner.
 */
export class WarmPool implements RunsContainers {
  private readonly entries = new Map<string, KeyEntry>();
  /** Slots of warm containers and of claimed ones still running (the reaper leaves them alone). */
  private readonly live = new Set<string>();
  private readonly shimByImage = new Map<string, boolean>();
  private readonly checkingImages = new Map<string, Promise<void>>();
  private readonly totals = { hits: 0, misses: 0, bypassed: 0, expired: 0, evicted: 0, warmFailures: 0 };
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private refilling: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastSummaryMs: number;
  private lastSummaryTotals = '';
  private closed = false;

  constructor(private readonly options: WarmPoolOptions) {
    this.now = options.now ?? Date.now;
    this.maxAgeMs = Math.max(options.maxAgeMs ?? 10 * 60_000, options.idleMs);
    this.lastSummaryMs = this.now();
    const sweepMs = options.sweepIntervalMs ?? Math.min(5_000, Math.max(250, options.idleMs / 4));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.sweepTimer.unref();
  }

  async *run(spec: ContainerSpec, options: RunOptions): AsyncGenerator<RunEvent> {
    options.signal.throwIfAborted();
    const header = this.closed ? undefined : encodeShimHeader(spec.argv, spec.env);
    const shim = header === undefined ? false : this.hasShim(spec.image);
    if (header === undefined || shim === false) {
      this.totals.bypassed++;
      yield* this.options.runner.run(spec, options);
      return;
    }
    if (spec.mount !== undefined && this.options.repin === undefined) {
      this.totals.bypassed++;
      yield* this.options.runner.run(spec, options);
      return;
    }
    const entry = this.entryFor(spec);
    entry.lastUsedMs = this.now();
    const warm = shim === true ? this.take(entry, Number(spec.labels[LABELS.deadline])) : undefined;
    if (warm === undefined) {
      entry.misses++;
      this.totals.misses++;
      this.options.logger?.debug('warm pool miss: running cold', { key: entry.description });
      try {
        yield* this.options.runner.run(spec, options);
      } finally {
        this.refill();
      }
      return;
    }
    entry.hits++;
    this.totals.hits++;
    this.options.logger?.debug('warm pool claim', { key: entry.description, containerId: warm.started.id, warmForMs: this.now() - warm.warmedAtMs });
    try {
      yield* this.options.runner.follow(warm.started, spec, options, spec.stdin === undefined ? [header] : [header, spec.stdin], undefined, true);
    } finally {
      this.live.delete(warm.slot);
      this.refill();
    }
  }

  /** Per key: warm, warming, hits, misses; and the totals. */
  stats(): WarmPoolStats {
    const keys = [...this.entries.values()].map((entry) => ({
      key: entry.key,
      description: entry.description,
      warm: entry.warm.length,
      warming: entry.warming,
      hits: entry.hits,
      misses: entry.misses,
      lastUsedMs: entry.lastUsedMs,
    }));
    return {
      keys,
      totals: {
        warm: keys.reduce((sum, key) => sum + key.warm, 0),
        warming: keys.reduce((sum, key) => sum + key.warming, 0),
        ...this.totals,
      },
    };
  }

  /** Slots of the containers the pool holds (warm, or running their task): see isOrphanContainer. */
  liveSlots(): ReadonlySet<string> {
    return new Set(this.live);
  }

  /**
   * Warms nothing more, removes every warm container and waits for every removal still in flight
   * (also those of finished runs). Tasks that come later run cold. Call it once the tasks are done.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.sweepTimer) clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    await this.refilling;
    const removals: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      for (const warm of entry.warm.splice(0)) removals.push(this.discard(warm, 'close'));
    }
    await Promise.allSettled(removals);
    await this.options.runner.settled();
    this.logSummary(true);
  }

  /** The oldest warm container of the key that is still alive and whose deadline covers the task's; dead ones go. */
  private take(entry: KeyEntry, taskDeadlineMs: number): WarmContainer | undefined {
    for (let i = 0; i < entry.warm.length; ) {
      const warm = entry.warm[i]!;
      if (warm.started.done()) {
        entry.warm.splice(i, 1);
        void this.discard(warm, 'died');
        continue;
      }
      if (Number.isFinite(taskDeadlineMs) && taskDeadlineMs > warm.deadlineMs) {
        i++;
        continue;
      }
      entry.warm.splice(i, 1);
      return warm;
    }
    return undefined;
  }

  /** Whether the image carries the shim: true, false, or undefined while its label is being read (the task runs cold). */
  private hasShim(image: string): boolean | undefined {
    const known = this.shimByImage.get(image);
    if (known !== undefined) return known;
    if (!this.checkingImages.has(image)) {
      const checking = this.readShimLabel(image).finally(() => {
        this.checkingImages.delete(image);
        this.refill();
      });
      this.checkingImages.set(image, checking);
    }
    return undefined;
  }

  private async readShimLabel(image: string): Promise<void> {
    try {
      const handle = this.options.docker.getImage(image);
      // dockerode accepts `abortSignal` here; its type definitions do not say so.
      const inspect = handle.inspect as unknown as (opts: { abortSignal: AbortSignal }) => Promise<{ Config?: { Labels?: Record<string, string> | null } }>;
      const info = await inspect.call(handle, { abortSignal: AbortSignal.timeout(10_000) });
      const labels = info.Config?.Labels ?? {};
      const pooled = labels[WARM_SHIM_LABEL] === WARM_SHIM_PROTOCOL;
      this.shimByImage.set(image, pooled);
      this.options.logger?.debug(pooled ? 'warm pool: image carries the start shim' : 'warm pool: image has no start shim; its tasks run cold', { image });
      if (!pooled) for (const [key, entry] of this.entries) if (entry.spec.image === image) this.entries.delete(key);
    } catch (error) {
      // Missing, or the engine did not answer: tasks run cold (and say why); asked again next time.
      this.options.logger?.debug('warm pool: could not read the image labels', { image, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private entryFor(spec: ContainerSpec): KeyEntry {
    const keySpec = warmKeySpec(spec);
    const key = warmPoolKey(keySpec);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = {
        key,
        spec: keySpec,
        description: describeWarmKey(keySpec, this.options.runner.defaultRuntime),
        warm: [],
        warming: 0,
        lastUsedMs: 0,
        retryAfterMs: 0,
        hits: 0,
        misses: 0,
      };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Starts the background refill unless it runs: one container at a time until the plan is met. */
  private refill(): void {
    if (this.closed || this.refilling) return;
    const refilling = this.refillLoop();
    this.refilling = refilling;
    void refilling.finally(() => {
      if (this.refilling === refilling) this.refilling = undefined;
    });
  }

  private async refillLoop(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const step = planWarmStep(this.keyStates(), this.options, this.now());
      if (step === undefined) return;
      if (step.evict !== undefined) this.evictOne(step.evict);
      const entry = this.entries.get(step.key);
      if (entry === undefined) return;
      await this.warmOne(entry);
    }
  }

  private keyStates(): WarmKeyState[] {
    return [...this.entries.values()]
      .filter((entry) => this.shimByImage.get(entry.spec.image) === true)
      .map((entry) => ({ key: entry.key, warm: entry.warm.length, warming: entry.warming, lastUsedMs: entry.lastUsedMs, retryAfterMs: entry.retryAfterMs }));
  }

  private async warmOne(entry: KeyEntry): Promise<void> {
    const slot = `baaaht-warm-${randomBytes(8).toString('hex')}`;
    const warmedAtMs = this.now();
    const deadlineMs = warmedAtMs + this.maxAgeMs + this.options.maxTaskMs + DEADLINE_SLACK_MS;
    let pinned: PinnedMount | undefined;
    const spec: ContainerSpec = {
      ...entry.spec,
      argv: [WARM_SHIM_PATH],
      labels: poolContainerLabels({ workerId: this.options.workerId, bootId: this.options.bootId, slot, deadlineMs }),
      stdin: EMPTY,
    };
    // Held before it exists: a sweep of the reaper meanwhile must not take it for an orphan.
    this.live.add(slot);
    entry.warming++;
    let started: StartedContainer;
    try {
      const mount = entry.spec.mount;
      if (mount !== undefined) {
        // Bound to the same directory the key names, or not warmed at all.
        pinned = await this.options.repin!(mount);
        started = await this.options.runner.start({ ...spec, mount: { ...mount, source: pinned.path } }, slot);
      } else {
        started = await this.options.runner.start(spec, slot);
      }
    } catch (error) {
      this.live.delete(slot);
      if (isWorkerError(error) && (error.code === 'MOUNT_CHANGED' || error.code === 'MOUNT_NOT_FOUND')) {
        // The key's directory is not at its path now: no container is warmed for it until a little
        // later. Its warm containers stay: each holds the very directory the key names.
        entry.retryAfterMs = this.now() + RETRY_AFTER_MOVE_MS;
        this.options.logger?.debug('warm pool: the directory of a key is not at its path; not warmed now', { key: entry.description, error: error.message });
        return;
      }
      entry.retryAfterMs = this.now() + RETRY_AFTER_FAILURE_MS;
      this.totals.warmFailures++;
      this.options.logger?.warn('warm pool: could not warm a container', { key: entry.description, error: error instanceof Error ? error.message : String(error) });
      return;
    } finally {
      entry.warming--;
      await pinned?.release();
    }
    const warm: WarmContainer = { started, slot, warmedAtMs, deadlineMs };
    if (this.closed || !isKeyInUse(entry.lastUsedMs, this.options.idleMs, this.now())) {
      void this.discard(warm, this.closed ? 'close' : 'idle');
      return;
    }
    entry.warm.push(warm);
    this.options.logger?.debug('warm pool: container warm', { key: entry.description, containerId: started.id, warm: entry.warm.length, tookMs: this.now() - warmedAtMs });
    // A warm container that dies (killed from outside, engine restart) leaves the pool at once.
    started.exit.then(
      () => this.dropDead(entry, warm),
      () => this.dropDead(entry, warm),
    );
  }

  private dropDead(entry: KeyEntry, warm: WarmContainer): void {
    const index = entry.warm.indexOf(warm);
    if (index === -1) return;
    entry.warm.splice(index, 1);
    this.options.logger?.warn('warm pool: a warm container died before any task took it', {
      key: entry.description,
      containerId: warm.started.id,
      stderr: warm.started.stderr.earlyText.slice(0, 500),
    });
    void this.discard(warm, 'died');
  }

  private evictOne(key: string): void {
    const entry = this.entries.get(key);
    const warm = entry?.warm.shift();
    if (entry === undefined || warm === undefined) return;
    this.totals.evicted++;
    void this.discard(warm, 'evicted');
  }

  private discard(warm: WarmContainer, why: 'idle' | 'old' | 'evicted' | 'died' | 'close'): Promise<void> {
    if (why !== 'evicted') this.totals.expired++;
    this.options.logger?.debug('warm pool: container removed unused', { containerId: warm.started.id, why });
    return this.options.runner.discard(warm.started).finally(() => this.live.delete(warm.slot));
  }

  /** Removes warm containers of keys no longer in use, and too old ones; forgets long-unused keys; logs a summary now and then. */
  private sweep(): void {
    const now = this.now();
    let retired = false;
    for (const [key, entry] of this.entries) {
      const inUse = isKeyInUse(entry.lastUsedMs, this.options.idleMs, now);
      for (let i = 0; i < entry.warm.length; ) {
        const warm = entry.warm[i]!;
        const idle = !inUse && now - warm.warmedAtMs >= this.options.idleMs;
        const old = now - warm.warmedAtMs >= this.maxAgeMs;
        if (idle || old) {
          entry.warm.splice(i, 1);
          retired ||= old && inUse;
          void this.discard(warm, idle ? 'idle' : 'old');
        } else {
          i++;
        }
      }
      if (!inUse && entry.warm.length === 0 && entry.warming === 0 && now - entry.lastUsedMs >= this.maxAgeMs) this.entries.delete(key);
    }
    if (retired) this.refill();
    this.logSummary(false);
  }

  private logSummary(force: boolean): void {
    const now = this.now();
    const interval = this.options.summaryIntervalMs ?? 5 * 60_000;
    if (!force && now - this.lastSummaryMs < interval) return;
    const { totals, keys } = this.stats();
    const text = JSON.stringify(totals);
    if (!force && text === this.lastSummaryTotals) return;
    this.lastSummaryMs = now;
    this.lastSummaryTotals = text;
    this.options.logger?.info('warm pool', { ...totals, keys: keys.length });
  }
}
