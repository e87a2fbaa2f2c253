import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log/index.js';
import type { ContainerReaper } from '../runtime/index.js';
import { describeError } from './describe-error.js';

/**
 * Removes containers a dead worker left behind: once at start (reapOnce), then every
 * `intervalMs` while `run(signal)` goes on. A failed sweep is logged and tried again next time.
 */
export class OrphanReapLoop {
  constructor(
    private readonly reaper: ContainerReaper,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.intervalMs, undefined, { signal }).catch(() => undefined);
      if (!signal.aborted) await this.reapOnce();
    }
  }

  async reapOnce(): Promise<void> {
    try {
      const { removed, failed } = await this.reaper.reapOnce();
      for (const container of removed) this.logger.warn('removed an orphaned container', { ...container });
      for (const { id, error } of failed) this.logger.error('could not remove an orphaned container', { id, error: describeError(error) });
    } catch (error) {
      this.logger.warn('orphan sweep failed', { error: describeError(error) });
    }
  }
}
