import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { UnackedResultLimits } from '../config/worker-config.js';
import { WorkerMessage } from '../gen/agent/v1/agent.js';
import { OutputLog } from './output-log.js';
import { resultsOverLimits, type LimitReason } from './unacked-result-limits.js';

interface Entry {
  readonly taskId: string;
  readonly leaseEpoch: number;
  /** In memory, or on disk at `file`. */
  message?: WorkerMessage;
  file?: string;
  /** The task's output, when it is kept beside the message (not inside it). */
  output?: OutputLog;
  /** Memory this entry holds (the message and the output's head); 0 once spilled. */
  bytes: number;
  /** Sessions that failed while this result was the first one written and not acknowledged. */
  failedDeliveries: number;
  /** When it was kept (the spool's clock; a file's modification time after a restart). */
  readonly keptAt: number;
  /** Its message and output, in memory and on disk (what the byte bound counts). */
  readonly totalBytes: number;
}

export interface ResultSpoolOptions {
  /** Per task, the output head kept in memory (default: min(4 MiB, memoryLimitBytes)). */
  readonly outputMemoryBytes?: number;
  /** Bounds on what is kept (overLimits() says what is past them); none: unbounded. */
  readonly limits?: UnackedResultLimits;
  /** The clock of keptAt and the TTL (Date.now). */
  readonly now?: () => number;
}

/** A waiting result: the `completed` message and, apart from it, the task's output. */
export interface SpooledResult {
  readonly message: WorkerMessage;
  readonly output: OutputLog | undefined;
}

/** Output of one task kept in memory before the rest goes to disk, at most. */
export const OUTPUT_MEMORY_PER_TASK = 4 * 1024 * 1024;

/**
 * Results the orchestrator has not acknowledged yet, so that none is lost while it is
 * unreachable or restarting. Each is the `completed` message and the task's output log
 * (output-log.ts, created here by outputLog() when the task starts), written to `dir` when it is
 * kept, before it is reported (`<hash>.result` for the message, fsync'd, the log's `.head`/`.tail`
 * beside it, all 0600); a copy of the message stays in memory up to `memoryLimitBytes` in all.
 * Files left by an earlier run of the worker are picked up by load() and delivered like the
 * others; a whole message with its output inside (the format before output logs) still loads.
 */
export class ResultSpool {
  private readonly entries = new Map<string, Entry>();
  private memoryBytes = 0;
  private readonly outputMemoryBytes: number;
  private readonly now: () => number;
  readonly limits: UnackedResultLimits | undefined;

  constructor(
    private readonly dir: string,
    private readonly memoryLimitBytes: number,
    options: ResultSpoolOptions = {},
  ) {
    this.outputMemoryBytes = options.outputMemoryBytes ?? Math.min(OUTPUT_MEMORY_PER_TASK, memoryLimitBytes);
    this.limits = options.limits;
    this.now = options.now ?? Date.now;
  }

  /** A new output log for a task that starts now (its files live in the spool's directory, made by load()). */
  outputLog(taskId: string, leaseEpoch: number): OutputLog {
    return new OutputLog(join(this.dir, logName(taskId, leaseEpoch)), this.outputMemoryBytes);
  }

  get size(): number {
    return this.entries.size;
  }

  /** (task id, lease epoch) of every result waiting for an ack. */
  leases(): Array<{ taskId: string; leaseEpoch: number }> {
    return [...this.entries.values()].map(({ taskId, leaseEpoch }) => ({ taskId, leaseEpoch }));
  }

  has(taskId: string): boolean {
    return this.entries.has(taskId);
  }

  /** The lease epoch of the task's waiting result, if one is waiting. */
  leaseOf(taskId: string): number | undefined {
    return this.entries.get(taskId)?.leaseEpoch;
  }

  /** Whether the result of this very lease is waiting. */
  holds(taskId: string, leaseEpoch: number): boolean {
    return this.entries.get(taskId)?.leaseEpoch === leaseEpoch;
  }

  /**
   * A session failed with this result the first one written and not acknowledged: it goes behind
   * the others (all() yields it last). Returns how many deliveries of it failed so far.
   */
  deliveryFailed(taskId: string, leaseEpoch: number): number {
    const entry = this.entries.get(taskId);
    if (!entry || entry.leaseEpoch !== leaseEpoch) return 0;
    this.entries.delete(taskId);
    this.entries.set(taskId, entry);
    return ++entry.failedDeliveries;
  }

  /** Reads results spilled by an earlier run. */
  async load(): Promise<number> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let loaded = 0;
    const names = await readdir(this.dir);
    const logsInUse = new Set<string>();
    for (const name of names) {
      if (!name.endsWith('.result')) continue;
      const file = join(this.dir, name);
      try {
        const bytes = await readFile(file);
        const message = WorkerMessage.decode(bytes);
        if (!message.taskId || message.event?.$case !== 'completed' || this.entries.has(message.taskId)) continue;
        let output: OutputLog | undefined;
        if (!message.event.completed.outputIncluded) {
          const base = logOf(names, message.taskId, message.leaseEpoch);
          logsInUse.add(base);
          output = await OutputLog.open(join(this.dir, base));
        }
        const { mtimeMs } = await stat(file);
        this.entries.set(message.taskId, {
          taskId: message.taskId,
          leaseEpoch: message.leaseEpoch,
          file,
          bytes: 0,
          failedDeliveries: 0,
          keptAt: mtimeMs,
          totalBytes: bytes.length + (output?.totalBytes ?? 0),
          ...(output ? { output } : {}),
        });
        loaded++;
      } catch {
        await rm(file, { force: true }); // unreadable: a torn write from a crash
      }
    }
    // Logs of tasks that never completed (the worker died while they ran), and torn writes.
    for (const name of names) {
      const base = name.replace(/\.(head|head\.tmp|tail)$/, '');
      if ((base !== name && !logsInUse.has(base)) || name.endsWith('.tmp')) await rm(join(this.dir, name), { force: true });
    }
    return loaded;
  }

  /**
   * Keeps a completed message until ack(), with the task's output log when the output is not
   * inside the message (the log then belongs to the spool, which removes it with the result).
   */
  async add(message: WorkerMessage, output?: OutputLog): Promise<void> {
    const bytes = WorkerMessage.encode(message).finish();
    await output?.close(); // the task is over: its output is complete
    await this.forget(message.taskId, output);
    const entry: Entry = {
      taskId: message.taskId,
      leaseEpoch: message.leaseEpoch,
      bytes: 0,
      failedDeliveries: 0,
      keptAt: this.now(),
      totalBytes: bytes.length + (output?.totalBytes ?? 0),
      ...(output ? { output } : {}),
    };
    // Finished means durable: on disk before it is reported, whatever the memory bound, so that a
    // worker killed after reporting it resends it at its next start instead of running the task
    // again. The output first (a result found on disk has its whole output beside it), then the
    // message, fsync'd with its directory entry. The memory bound only decides whether a copy
    // of the message also stays in memory, for resends without a read.
    await output?.persist();
    entry.file = await this.write(message.taskId, bytes);
    if (this.memoryBytes + bytes.length <= this.memoryLimitBytes) {
      entry.message = message;
      entry.bytes = bytes.length;
      this.memoryBytes += bytes.length;
    }
    this.entries.set(message.taskId, entry);
  }

  /**
   * The task's waiting result under a newer lease (it was assigned again before its ack): its
   * message carries `leaseEpoch` and `attempt` from now on, in memory and on disk. Undefined when
   * no result of an older lease waits.
   */
  async relabel(taskId: string, leaseEpoch: number, attempt: number): Promise<SpooledResult | undefined> {
    const entry = this.entries.get(taskId);
    if (!entry || entry.leaseEpoch >= leaseEpoch) return undefined;
    const old = entry.message ?? (entry.file === undefined ? undefined : WorkerMessage.decode(await readFile(entry.file)));
    if (old?.event?.$case !== 'completed') return undefined;
    const message: WorkerMessage = { ...old, leaseEpoch, event: { $case: 'completed', completed: { ...old.event.completed, attempt } } };
    const bytes = WorkerMessage.encode(message).finish();
    const next: Entry = { ...entry, leaseEpoch };
    if (entry.file !== undefined) next.file = await this.write(taskId, bytes);
    if (entry.message) {
      const delta = bytes.length - WorkerMessage.encode(entry.message).finish().length;
      next.message = message;
      next.bytes += delta;
      this.memoryBytes += delta;
    }
    if (this.entries.get(taskId) !== entry) return undefined; // acknowledged or dropped meanwhile
    this.entries.set(taskId, next);
    return { message, output: entry.output };
  }

  /** Every waiting result, in delivery order: oldest first, those whose delivery failed last. */
  async *all(): AsyncGenerator<SpooledResult> {
    for (const entry of [...this.entries.values()]) {
      if (!this.entries.has(entry.taskId)) continue;
      if (entry.message) yield { message: entry.message, output: entry.output };
      else if (entry.file) yield { message: WorkerMessage.decode(await readFile(entry.file)), output: entry.output };
    }
  }

  /** The orchestrator has it (or refused it for good): forget it. */
  async ack(taskId: string, leaseEpoch: number): Promise<boolean> {
    const entry = this.entries.get(taskId);
    if (!entry || entry.leaseEpoch !== leaseEpoch) return false;
    await this.forget(taskId);
    return true;
  }

  /** The results past the bounds now (resultsOverLimits), with why; drop() them. None without bounds. */
  overLimits(): Array<{ readonly taskId: string; readonly leaseEpoch: number; readonly reason: LimitReason }> {
    if (this.limits === undefined) return [];
    const held = [...this.entries.values()].map(({ taskId, totalBytes, keptAt }) => ({ taskId, bytes: totalBytes, keptAt }));
    return resultsOverLimits(held, this.limits, this.now()).map(({ taskId, reason }) => ({ taskId, leaseEpoch: this.entries.get(taskId)!.leaseEpoch, reason }));
  }

  /** Gives up on a result (it cannot be delivered, or is past a bound): forgets it, as an ack would. */
  drop(taskId: string, leaseEpoch: number): Promise<boolean> {
    return this.ack(taskId, leaseEpoch);
  }

  /** Writes what is only in memory to disk (before the process exits). */
  async spillAll(): Promise<number> {
    let spilled = 0;
    for (const entry of this.entries.values()) {
      if (!entry.message) continue;
      if (entry.file === undefined) {
        entry.file = await this.write(entry.taskId, WorkerMessage.encode(entry.message).finish());
        spilled++;
      }
      await entry.output?.persist();
      this.memoryBytes -= entry.bytes;
      entry.bytes = 0;
      delete entry.message;
    }
    return spilled;
  }

  /** Drops an entry and its files (its output log too, unless it is `keep`). */
  private async forget(taskId: string, keep?: OutputLog): Promise<void> {
    const entry = this.entries.get(taskId);
    if (!entry) return;
    this.entries.delete(taskId);
    this.memoryBytes -= entry.bytes;
    if (entry.file) await rm(entry.file, { force: true });
    if (entry.output !== keep) await entry.output?.remove();
  }

  private async write(taskId: string, bytes: Uint8Array): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Task ids come from the wire: the file is named by a hash of the id, never the raw id.
    const file = join(this.dir, `${hashOf(taskId)}.result`);
    const temp = `${file}.tmp`;
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined); // a full disk leaves no torn file behind
      throw error;
    }
    await syncDirectory(this.dir);
    return file;
  }
}

/** Makes a rename in `dir` durable (a file system that cannot sync a directory is let be). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

function hashOf(taskId: string): string {
  return createHash('sha256').update(taskId).digest('hex');
}

/** File name (without extension) of a task's output log: by a hash of its id, and its lease. */
function logName(taskId: string, leaseEpoch: number): string {
  return `${hashOf(taskId)}-${leaseEpoch}`;
}

/**
 * The output log of a spooled result: the one of its lease, else the newest of an older lease
 * (a result adopted by a newer lease keeps the log its run wrote, named by the epoch it began under).
 */
function logOf(names: readonly string[], taskId: string, leaseEpoch: number): string {
  const prefix = `${hashOf(taskId)}-`;
  let best: number | undefined;
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.(head|tail)$/.exec(name.slice(prefix.length)) : null;
    const epoch = match ? Number(match[1]) : Number.NaN;
    if (epoch <= leaseEpoch && (best === undefined || epoch > best)) best = epoch;
  }
  return logName(taskId, best ?? leaseEpoch);
}
