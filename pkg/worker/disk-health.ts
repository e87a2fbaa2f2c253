import { statfs } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Below this the work dir is full: results and output cannot be kept, the worker is not ready. */
export const DISK_FULL_BYTES = 1024 * 1024;
/** Between checks of the work dir's file system. */
export const DISK_CHECK_INTERVAL_MS = 2_000;

/** ok; low (below --min-free-disk: still ready, reported); full (below DISK_FULL_BYTES, or the check failed: not ready). */
export type DiskLevel = 'ok' | 'low' | 'full';

export interface DiskState {
  readonly level: DiskLevel;
  /** Bytes free for the worker in its work dir's file system (-1 when the check failed). */
  readonly freeBytes: number;
  /** What to report (empty when ok): how low, or why it could not be checked. */
  readonly detail: string;
}

/** The level of `freeBytes` free, with --min-free-disk `minFreeBytes` (0: low is not reported). */
export function diskLevel(freeBytes: number, minFreeBytes: number): DiskLevel {
  if (freeBytes < DISK_FULL_BYTES) return 'full';
  return freeBytes < minFreeBytes ? 'low' : 'ok';
}

export interface DiskHealthOptions {
  /** The work dir (--work-dir). */
  readonly dir: string;
  /** --min-free-disk. */
  readonly minFreeBytes: number;
  readonly intervalMs?: number;
  /** The audit log, probed at each check while it cannot be written (so that the worker recovers without a task). */
  readonly audit?: { probe(): Promise<boolean> };
  /** Each change of level. */
  readonly onChange?: (state: DiskState) => void;
  /** For tests: bytes free in `dir`'s file system. */
  readonly freeBytes?: (dir: string) => Promise<number>;
}

/**
 * Watches the free space of the worker's work dir (statfs) so that readiness and the heartbeat
 * report a low disk before it is full, and probes the audit log while it cannot be written.
 */
export class DiskHealth {
  private current: DiskState = { level: 'ok', freeBytes: -1, detail: '' };

  constructor(private readonly options: DiskHealthOptions) {}

  get state(): DiskState {
    return this.current;
  }

  /** Checks once now. */
  async check(): Promise<DiskState> {
    const { dir, minFreeBytes } = this.options;
    let next: DiskState;
    try {
      const freeBytes = await (this.options.freeBytes ?? freeBytesIn)(dir);
      const level = diskLevel(freeBytes, minFreeBytes);
      const detail =
        level === 'ok'
          ? ''
          : `work dir ${dir} ${level === 'full' ? 'is full' : 'is low on space'}: ${mib(freeBytes)} free${level === 'low' ? `, below --min-free-disk ${mib(minFreeBytes)}` : ''}`;
      next = { level, freeBytes, detail };
    } catch (error) {
      next = { level: 'full', freeBytes: -1, detail: `work dir ${dir} cannot be checked: ${error instanceof Error ? error.message : String(error)}` };
    }
    const changed = next.level !== this.current.level;
    this.current = next;
    if (changed) this.options.onChange?.(next);
    await this.options.audit?.probe().catch(() => false);
    return next;
  }

  /** Checks every intervalMs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.check();
      await sleep(this.options.intervalMs ?? DISK_CHECK_INTERVAL_MS, undefined, { signal, ref: false }).catch(() => undefined);
    }
  }
}

async function freeBytesIn(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
