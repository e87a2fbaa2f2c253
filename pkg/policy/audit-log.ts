import { open, type FileHandle } from 'node:fs/promises';
import { WorkerError } from '../errors/index.js';

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

export interface AuditLogOptions {
  /** The log could not be written (`problem` says why), or can be again (`problem` undefined). */
  readonly onChange?: (problem: string | undefined) => void;
  readonly now?: () => Date;
}

/** The rule of the line that records a time the log could not be written. */
export const AUDIT_GAP_RULE = 'audit-log';

/**
 * An append-only JSON-lines audit log: the file is opened with flag `a` and created 0600;
 * appends are written one after another, each batch in a single write, never interleaved.
 * An undefined path makes every call a no-op.
 *
 * A write that fails (a full disk, a file made read-only) rejects with WorkerError
 * AUDIT_UNAVAILABLE, and the log is unavailable (`problem` says why) until a write succeeds
 * again: a later append, or probe(). The first line written after such a time records it (rule
 * `audit-log`, decision `refused`: tasks were refused meanwhile), on a line of its own.
 */
export class AuditLog {
  #file: FileHandle | undefined;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  #outage: { readonly since: string; readonly problem: string } | undefined;
  readonly #options: AuditLogOptions;

  constructor(
    readonly path: string | undefined,
    options: AuditLogOptions = {},
  ) {
    this.#options = options;
  }

  /** Why the log cannot be written now; undefined while it can (as far as the last write knows). */
  get problem(): string | undefined {
    return this.#outage?.problem;
  }

  append(entries: readonly AuditEntry[]): Promise<void> {
    if (this.path === undefined || entries.length === 0) return Promise.resolve();
    return this.#write(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  }

  /** While the log cannot be written, tries again (writing the line that records the gap); resolves whether it can be now. */
  async probe(): Promise<boolean> {
    if (this.path === undefined || this.#outage === undefined || this.#closed) return this.#outage === undefined;
    return this.#write('').then(
      () => true,
      () => false,
    );
  }

  #write(text: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`audit log ${this.path} is closed`));
    const path = this.path!;
    const write = this.#tail.then(async () => {
      if (text === '' && this.#outage === undefined) return;
      const outage = this.#outage;
      // After a failed write the file may end in a torn line: the gap's record starts a new one.
      const gap = outage === undefined ? '' : `\n${JSON.stringify(this.#gapEntry(outage))}\n`;
      try {
        // Writes run one at a time, so opening here cannot race; a failed open is retried next time.
        this.#file ??= await open(path, 'a', 0o600);
        await this.#file.appendFile(gap + text, 'utf8');
      } catch (error) {
        const file = this.#file;
        this.#file = undefined; // opened again next time (the file may have been replaced meanwhile)
        await file?.close().catch(() => undefined);
        const problem = `the audit log ${path} cannot be written: ${error instanceof Error ? error.message : String(error)}`;
        if (this.#outage === undefined) {
          this.#outage = { since: (this.#options.now?.() ?? new Date()).toISOString(), problem };
          this.#options.onChange?.(problem);
        }
        throw new WorkerError('AUDIT_UNAVAILABLE', problem, { cause: error });
      }
      if (outage !== undefined) {
        this.#outage = undefined;
        this.#options.onChange?.(undefined);
      }
    });
    // A failed write is reported to its caller and does not block the ones after it.
    this.#tail = write.catch(() => undefined);
    return write;
  }

  #gapEntry(outage: { readonly since: string; readonly problem: string }): AuditEntry {
    const time = (this.#options.now?.() ?? new Date()).toISOString();
    const reason = `the audit log could not be written from ${outage.since} to ${time} (${outage.problem}); tasks were refused AUDIT_UNAVAILABLE meanwhile`;
    return { time, taskId: '', decision: 'refused', rule: AUDIT_GAP_RULE, reason, toolType: '' };
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
