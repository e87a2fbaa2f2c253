import { open, type FileHandle } from 'node:fs/promises';

/** One line of the audit log. */
export interface AuditEntry {
  /** ISO 8601. */
  readonly time: string;
  readonly taskId: string;
  readonly decision: 'allowed' | 'clamped' | 'refused';
  readonly rule: string;
  readonly reason: string;
  readonly toolType: string;
}

/**
 * An append-only JSON-lines audit log: the file is opened with flag `a` and created 0600;
 * appends are written one after another, each batch in a single write, never interleaved.
 * An undefined path makes every call a no-op.
 */
export class AuditLog {
  #file: FileHandle | undefined;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(readonly path: string | undefined) {}

  append(entries: readonly AuditEntry[]): Promise<void> {
    if (this.path === undefined || entries.length === 0) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error(`audit log ${this.path} is closed`));
    const path = this.path;
    const text = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    const write = this.#tail.then(async () => {
      // Writes run one at a time, so opening here cannot race; a failed open is retried next time.
      this.#file ??= await open(path, 'a', 0o600);
      await this.#file.appendFile(text, 'utf8');
    });
    // A failed write is reported to its caller and does not block the ones after it.
    this.#tail = write.catch(() => undefined);
    return write;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    const file = this.#file;
    this.#file = undefined;
    if (file !== undefined) await file.close();
  }
}
