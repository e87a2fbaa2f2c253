import { constants, type Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutputStreamName } from './output-log.js';
import { describeError } from './describe-error.js';
import type { FinalState, RunOutcome } from './run-outcome.js';

/** Task ids that may name a record directory; the id comes from the wire, anything else is not recorded. */
const TASK_ID = '[A-Za-z0-9_-]{1,128}';
const SAFE_TASK_ID = new RegExp(`^${TASK_ID}$`);
const RECORD_DIR = new RegExp(`^task_(${TASK_ID})$`);
/** New files only, never through a link: the directory was made empty a moment before. */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_APPEND;
/**
 * Output handed to a record and not yet on disk, at most; beyond it the record drops the rest (and
 * says so). A burst of output (the outbox holds up to 64 chunks of 64 KiB before the link slows
 * the task) runs ~4 MiB ahead of the disk even on a fast one: this leaves room for several.
 */
const UNWRITTEN_BYTES = 16 * 1024 * 1024;
const MAX_SWEEP_INTERVAL_MS = 10 * 60_000;
const MIN_SWEEP_INTERVAL_MS = 1_000;

/** What a record needs of the logger (a winston Logger is one). */
export interface TaskRecordsLogger {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export interface TaskRecordsOptions {
  /** The work directory: records are its `task_<id>` subdirectories. */
  readonly dir: string;
  /** A record older than this is removed. */
  readonly retentionMs: number;
  /** The worker's name, written into every record. */
  readonly worker: string;
  readonly logger: TaskRecordsLogger;
  /** Default min(retention / 4, 10 min), at least 1 s. */
  readonly sweepIntervalMs?: number;
  /** Per record (default 16 MiB). */
  readonly maxUnwrittenBytes?: number;
  readonly now?: () => number;
}

/** What a task is when its record begins (from its assignment). */
export interface TaskRecordStart {
  readonly tool: string;
  readonly attempt: number;
  readonly leaseEpoch: number;
}

/** When the task ran: epoch ms; no `startedAt` when it never reached the executor. */
export interface TaskRecordTimes {
  readonly startedAt?: number;
  readonly finishedAt: number;
}

/** The contents of `result.json`. The task's params are not in it: they may hold file contents or secrets. */
export interface TaskRecordResult {
  readonly taskId: string;
  readonly tool: string;
  readonly state: FinalState;
  readonly cause: string;
  readonly retryable: boolean;
  readonly exitCode: number;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly worker: string;
  readonly runtime: string;
  readonly profile: string;
  readonly attempt: number;
  readonly leaseEpoch: number;
  readonly durationMs: number;
  readonly acceptedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string;
  /** Bytes of each stream streamed to the orchestrator (up to the output cap). */
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  /** The tool wrote more than the output cap and the stream was cut. */
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  /** stdout.txt and stderr.txt hold every byte streamed (false when the disk fell behind or failed). */
  readonly recordComplete: boolean;
}

/** Whether a task id may name a record directory (`task_<id>`). */
export function isRecordableTaskId(taskId: string): boolean {
  return SAFE_TASK_ID.test(taskId);
}

/** The task id of a record directory's name; undefined for any other name. */
export function taskIdOfRecordName(name: string): string | undefined {
  return RECORD_DIR.exec(name)?.[1];
}

/**
 * Per-task records in the work directory (`--task-records`): `task_<id>/stdout.txt` and
 * `stderr.txt` (the output as streamed to the orchestrator) and `result.json` (how the task
 * ended), directory 0700, files 0600. Written behind the task: output is handed over without
 * waiting for the disk, the result after it was sent, and a failure is a warning in the log,
 * never the task's. run() removes records older than the retention, at once and periodically,
 * and only `task_<id>` entries directly in the directory (a symbolic link is removed, never
 * followed); records being written are left alone.
 */
export class TaskRecords {
  /** The record being written for each task id (the latest, when one id runs again). */
  private readonly writing = new Map<string, TaskRecordWriter>();
  /** Sweeps removing a record now, by task id: a new record of that id waits for it. */
  private readonly removing = new Map<string, Promise<void>>();
  private readonly unfinished = new Set<Promise<void>>();
  readonly sweepIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TaskRecordsOptions) {
    this.now = options.now ?? Date.now;
    this.sweepIntervalMs =
      options.sweepIntervalMs ?? Math.max(MIN_SWEEP_INTERVAL_MS, Math.min(options.retentionMs / 4, MAX_SWEEP_INTERVAL_MS));
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Starts the record of a task; undefined (and a warning) when its id cannot name a directory. */
  begin(taskId: string, start: TaskRecordStart): TaskRecordWriter | undefined {
    const { logger, dir } = this.options;
    if (!isRecordableTaskId(taskId)) {
      logger.warn('task id unfit for a file name: the task is not recorded', {
        taskId: JSON.stringify(taskId.slice(0, 64)),
        length: taskId.length,
        allowed: SAFE_TASK_ID.source,
      });
      return undefined;
    }
    const previous = this.writing.get(taskId);
    const before = Promise.all([previous?.done, this.removing.get(taskId)]).then(() => undefined);
    const writer = new TaskRecordWriter(join(dir, `task_${taskId}`), taskId, start, {
      before,
      acceptedAt: this.now(),
      worker: this.options.worker,
      maxUnwrittenBytes: this.options.maxUnwrittenBytes ?? UNWRITTEN_BYTES,
      logger,
    });
    this.writing.set(taskId, writer);
    const done = writer.done.finally(() => {
      if (this.writing.get(taskId) === writer) this.writing.delete(taskId);
      this.unfinished.delete(done);
    });
    this.unfinished.add(done);
    return writer;
  }

  /** Records still being written (tasks running, or results not written yet). */
  get active(): number {
    return this.writing.size;
  }

  /** Settles when every record begun so far is finished (or abandoned after a failure). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.unfinished]);
  }

  /** Removes the records older than the retention; resolves with how many went. Never rejects. */
  async sweep(): Promise<number> {
    const { dir, retentionMs, logger } = this.options;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn('could not list the task records', { dir, error: describeError(error) });
      return 0;
    }
    let removed = 0;
    for (const entry of entries) {
      const taskId = taskIdOfRecordName(entry.name);
      if (taskId === undefined || this.writing.has(taskId)) continue;
      const path = join(dir, entry.name);
      try {
        const time = await recordTime(path);
        if (time === undefined || this.now() - time <= retentionMs || this.writing.has(taskId)) continue;
        // rm() removes a symbolic link itself, and does not follow the links inside a directory.
        const removal = rm(path, { recursive: true, force: true });
        this.removing.set(taskId, removal.catch(() => undefined));
        await removal;
        removed++;
      } catch (error) {
        logger.warn('could not remove an old task record', { path, error: describeError(error) });
      } finally {
        this.removing.delete(taskId);
      }
    }
    if (removed > 0) logger.info('removed old task records', { count: removed, retentionMs });
    return removed;
  }

  /** Sweeps now and then every sweepIntervalMs until `signal` aborts; then waits for the records being written. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.sweep();
      await sleep(this.sweepIntervalMs, undefined, { signal, ref: false }).catch(() => undefined);
    }
    await this.idle();
  }
}

interface WriterContext {
  /** What must settle before the directory is made (the previous record of the id, a removal). */
  readonly before: Promise<void>;
  readonly acceptedAt: number;
  readonly worker: string;
  readonly maxUnwrittenBytes: number;
  readonly logger: TaskRecordsLogger;
}

/**
 * The record of one task while it is written: output() queues a chunk (never waits), finish()
 * closes the output files and writes result.json. Every step runs in order on one chain; the
 * first failure is logged once and ends the writing (result.json is still tried when the output
 * files exist).
 */
export class TaskRecordWriter {
  private chain: Promise<void>;
  private files: Record<OutputStreamName, FileHandle> | undefined;
  private failed = false;
  private ended = false;
  private unwrittenBytes = 0;
  private queued: Record<OutputStreamName, Buffer[]> = { stdout: [], stderr: [] };
  private draining = false;
  private droppedBytes = 0;
  private readonly bytes: Record<OutputStreamName, number> = { stdout: 0, stderr: 0 };
  private settle!: () => void;
  /** Settles when the record is finished or given up (never rejects). */
  readonly done = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    readonly dir: string,
    readonly taskId: string,
    private start: TaskRecordStart,
    private readonly context: WriterContext,
  ) {
    this.chain = context.before.then(() => this.create()).catch((error: unknown) => this.fail('could not create a task record', error));
  }

  /** The task was assigned again under a newer lease and goes on under it: the record says so. */
  adopt(leaseEpoch: number, attempt: number): void {
    this.start = { ...this.start, leaseEpoch, attempt };
  }

  /**
   * Hands a chunk of output, as it was streamed, to the record. Chunks queue up while a write is
   * on its way and go out together in the next one. Once the queue would pass
   * maxUnwrittenBytes, the rest of the output is dropped (the files stay a prefix of the output).
   */
  output(stream: OutputStreamName, data: Buffer): void {
    if (this.ended || data.length === 0) return;
    this.bytes[stream] += data.length;
    if (this.failed || this.droppedBytes > 0 || this.unwrittenBytes + data.length > this.context.maxUnwrittenBytes) {
      this.droppedBytes += data.length;
      return;
    }
    this.unwrittenBytes += data.length;
    this.queued[stream].push(data);
    if (this.draining) return;
    this.draining = true;
    this.chain = this.chain
      .then(() => this.drain())
      .catch((error: unknown) => this.fail('could not write the output of a task record', error));
  }

  /** Writes what is queued, each stream's chunks in one call, until nothing is. */
  private async drain(): Promise<void> {
    try {
      while (!this.failed && this.files && (this.queued.stdout.length > 0 || this.queued.stderr.length > 0)) {
        const batch = this.queued;
        this.queued = { stdout: [], stderr: [] };
        const files = this.files;
        await Promise.all((['stdout', 'stderr'] as const).map((stream) => writeAll(files[stream], batch[stream])));
        this.unwrittenBytes -= byteLength(batch.stdout) + byteLength(batch.stderr);
      }
    } finally {
      this.draining = false;
      this.queued = { stdout: [], stderr: [] };
    }
  }

  /** The task is over: writes result.json behind what was queued. Only the first call counts; never rejects. */
  finish(outcome: RunOutcome, times: TaskRecordTimes): Promise<void> {
    if (this.ended) return this.done;
    this.ended = true;
    this.chain
      .then(async () => {
        const opened = this.files !== undefined;
        await this.closeFiles();
        if (!opened) return;
        const result = this.result(outcome, times);
        const file = join(this.dir, 'result.json');
        const temp = `${file}.tmp`;
        const handle = await open(temp, CREATE_FLAGS, 0o600);
        try {
          await handle.writeFile(`${JSON.stringify(result, null, 2)}\n`);
        } finally {
          await handle.close();
        }
        await rename(temp, file);
      })
      .catch((error: unknown) => this.fail('could not write the result of a task record', error))
      .finally(() => this.closeFiles())
      .finally(() => this.settle());
    return this.done;
  }

  private result(outcome: RunOutcome, times: TaskRecordTimes): TaskRecordResult {
    return {
      taskId: this.taskId,
      tool: this.start.tool,
      state: outcome.state,
      cause: outcome.cause,
      retryable: outcome.retryable,
      exitCode: outcome.exitCode,
      error: outcome.error ? { code: outcome.error.code, message: outcome.error.message } : null,
      worker: this.context.worker,
      runtime: outcome.runtime,
      profile: outcome.profile,
      attempt: this.start.attempt,
      leaseEpoch: this.start.leaseEpoch,
      durationMs: outcome.durationMs,
      acceptedAt: new Date(this.context.acceptedAt).toISOString(),
      startedAt: times.startedAt === undefined ? null : new Date(times.startedAt).toISOString(),
      finishedAt: new Date(times.finishedAt).toISOString(),
      stdoutBytes: this.bytes.stdout,
      stderrBytes: this.bytes.stderr,
      stdoutTruncated: outcome.stdoutTruncated,
      stderrTruncated: outcome.stderrTruncated,
      recordComplete: !this.failed && this.droppedBytes === 0,
    };
  }

  /** A fresh, empty directory of this record (an older record of the same id is replaced). */
  private async create(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { mode: 0o700 });
    const stdout = await open(join(this.dir, 'stdout.txt'), CREATE_FLAGS, 0o600);
    try {
      this.files = { stdout, stderr: await open(join(this.dir, 'stderr.txt'), CREATE_FLAGS, 0o600) };
    } catch (error) {
      await stdout.close();
      throw error;
    }
  }

  private async closeFiles(): Promise<void> {
    const files = this.files;
    this.files = undefined;
    if (files) await Promise.allSettled([files.stdout.close(), files.stderr.close()]);
  }

  private fail(message: string, error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.context.logger.warn(message, { taskId: this.taskId, dir: this.dir, error: describeError(error) });
  }
}

/**
 * When a `task_<id>` entry was last written: its result.json's mtime, else the directory's; a
 * symbolic link's own mtime (the link is not followed). Undefined for any other kind of entry.
 */
async function recordTime(path: string): Promise<number | undefined> {
  const entry = await lstat(path);
  if (entry.isSymbolicLink()) return entry.mtimeMs;
  if (!entry.isDirectory()) return undefined;
  const result = await lstat(join(path, 'result.json')).catch(() => undefined);
  return result?.isFile() ? result.mtimeMs : entry.mtimeMs;
}

/** Writes every buffer, in order, at the end of the file. */
async function writeAll(file: FileHandle, buffers: readonly Buffer[]): Promise<void> {
  if (buffers.length === 0) return;
  const total = byteLength(buffers);
  const { bytesWritten } = await file.writev(buffers);
  if (bytesWritten < total) await file.writeFile(Buffer.concat(buffers).subarray(bytesWritten));
}

function byteLength(buffers: readonly Buffer[]): number {
  return buffers.reduce((sum, buffer) => sum + buffer.length, 0);
}
