import { setTimeout as sleep } from 'node:timers/promises';

/** What tasks and heartbeats need to know about the Docker engine. */
export interface EngineHealthView {
  readonly healthy: boolean;
  /** Why it is unhealthy; empty when healthy. */
  readonly detail: string;
  /** A task saw the engine fail: mark it unhealthy until a check succeeds. */
  reportFailure(detail: string): void;
}

export interface EngineHealthOptions {
  readonly ping: (signal: AbortSignal) => Promise<void>;
  /** Between checks while healthy, and while unhealthy. */
  readonly intervalMs: number;
  readonly unhealthyIntervalMs: number;
  readonly onChange?: (healthy: boolean, detail: string) => void;
  /** Every failed check, and every failure a task reports (for the engine error count). */
  readonly onFailure?: (detail: string) => void;
}

/**
 * Keeps an eye on the engine: pings it periodically (more often while it is down) and flips
 * between healthy and unhealthy, reporting each change. Recovery needs no restart of the worker.
 */
export class EngineHealth implements EngineHealthView {
  private state = { healthy: true, detail: '' };
  private wake: (() => void) | undefined;

  constructor(private readonly options: EngineHealthOptions) {}

  get healthy(): boolean {
    return this.state.healthy;
  }

  get detail(): string {
    return this.state.detail;
  }

  reportFailure(detail: string): void {
    this.options.onFailure?.(detail);
    this.set(false, detail);
    this.wake?.(); // check again soon rather than at the next healthy interval
  }

  /** Checks once now. */
  async check(signal: AbortSignal): Promise<boolean> {
    try {
      await this.options.ping(signal);
      this.set(true, '');
    } catch (error) {
      if (signal.aborted) return this.state.healthy;
      const detail = error instanceof Error ? error.message : String(error);
      this.options.onFailure?.(detail);
      this.set(false, detail);
    }
    return this.state.healthy;
  }

  /** Checks until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.check(signal);
      const wait = this.state.healthy ? this.options.intervalMs : this.options.unhealthyIntervalMs;
      const woken = new AbortController();
      this.wake = () => woken.abort();
      await sleep(wait, undefined, { signal: AbortSignal.any([signal, woken.signal]) }).catch(() => undefined);
      this.wake = undefined;
    }
  }

  private set(healthy: boolean, detail: string): void {
    const changed = healthy !== this.state.healthy;
    this.state = { healthy, detail };
    if (changed) this.options.onChange?.(healthy, detail);
  }
}
