import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkerMessage } from '../gen/agent/v1/agent.js';

interface Entry {
  readonly taskId: string;
  readonly leaseEpoch: number;
  /** In memory, or on disk at `file`. */
  message?: WorkerMessage;
  file?: string;
  bytes: number;
}

/**
 * Results the orchestrator has not acknowledged yet, so that none is lost while it is
 * unreachable or restarting. Each is kept whole (output included) in memory up to
 * `memoryLimitBytes` in all, then written to `dir` (one file per result, 0600). Files left by an
 * earlier run of the worker are picked up by load() and delivered like the others.
 */
export class ResultSpool {
  private readonly entries = new Map<string, Entry>();
  private memoryBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly memoryLimitBytes: number,
  ) {}

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

  /** Reads results spilled by an earlier run. */
  async load(): Promise<number> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let loaded = 0;
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.result')) continue;
      const file = join(this.dir, name);
      try {
        const bytes = await readFile(file);
        const message = WorkerMessage.decode(bytes);
        if (!message.taskId || message.event?.$case !== 'completed' || this.entries.has(message.taskId)) continue;
        this.entries.set(message.taskId, { taskId: message.taskId, leaseEpoch: message.leaseEpoch, file, bytes: bytes.length });
        loaded++;
      } catch {
        await rm(file, { force: true }); // unreadable: a torn write from a crash
      }
    }
    return loaded;
  }

  /** Keeps a completed message (with its output) until ack(). */
  async add(message: WorkerMessage): Promise<void> {
    const bytes = WorkerMessage.encode(message).finish();
    await this.forget(message.taskId);
    const entry: Entry = { taskId: message.taskId, leaseEpoch: message.leaseEpoch, bytes: bytes.length };
    if (this.memoryBytes + bytes.length <= this.memoryLimitBytes) {
      entry.message = message;
      this.memoryBytes += bytes.length;
    } else {
      entry.file = await this.write(message.taskId, bytes);
    }
    this.entries.set(message.taskId, entry);
  }

  /** Every waiting result, oldest first. */
  async *all(): AsyncGenerator<WorkerMessage> {
    for (const entry of [...this.entries.values()]) {
      if (!this.entries.has(entry.taskId)) continue;
      if (entry.message) yield entry.message;
      else if (entry.file) yield WorkerMessage.decode(await readFile(entry.file));
    }
  }

  /** The orchestrator has it (or refused it for good): forget it. */
  async ack(taskId: string, leaseEpoch: number): Promise<boolean> {
    const entry = this.entries.get(taskId);
    if (!entry || entry.leaseEpoch !== leaseEpoch) return false;
    await this.forget(taskId);
    return true;
  }

  /** Writes what is only in memory to disk (before the process exits). */
  async spillAll(): Promise<number> {
    let spilled = 0;
    for (const entry of this.entries.values()) {
      if (!entry.message) continue;
      entry.file = await this.write(entry.taskId, WorkerMessage.encode(entry.message).finish());
      this.memoryBytes -= entry.bytes;
      delete entry.message;
      spilled++;
    }
    return spilled;
  }

  private async forget(taskId: string): Promise<void> {
    const entry = this.entries.get(taskId);
    if (!entry) return;
    this.entries.delete(taskId);
    if (entry.message) this.memoryBytes -= entry.bytes;
    if (entry.file) await rm(entry.file, { force: true });
  }

  private async write(taskId: string, bytes: Uint8Array): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Task ids come from the wire: the file is named by a hash of the id, never the raw id.
    const file = join(this.dir, `${createHash('sha256').update(taskId).digest('hex')}.result`);
    const temp = `${file}.tmp`;
    await writeFile(temp, bytes, { mode: 0o600 });
    await rename(temp, file);
    return file;
  }
}
