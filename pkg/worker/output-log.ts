import { open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';

export type OutputStreamName = 'stdout' | 'stderr';

/** One chunk of a task's output, with its position in its stream. */
export interface LoggedChunk {
  readonly stream: OutputStreamName;
  readonly data: Buffer;
  /** Bytes of the same stream before this chunk. */
  readonly offset: number;
}

/** Record header on disk: 1 byte stream (1 stdout, 2 stderr), 4 bytes length (big endian). */
const HEADER_BYTES = 5;
const STREAM_CODE: Readonly<Record<OutputStreamName, number>> = { stdout: 1, stderr: 2 };
/**
 * Tail bytes handed to the file but not yet written before `append` waits for the disk: writes
 * run behind the stream (in order), so a task's output is not held up by one disk write per chunk.
 */
const WRITE_BEHIND_BYTES = 4 * 1024 * 1024;

/**
 * The output of one task, kept until its result is acknowledged so that it can be sent again
 * after a lost link. The first `memoryLimitBytes` stay in memory (the head); everything after
 * goes to `<base>.tail` as it comes (append, 0600), so memory stays bounded whatever the output
 * cap. `persist()` writes the head to `<base>.head` and frees it (before the process exits, or
 * when the spool runs out of memory); `OutputLog.open(base)` reads both back after a restart.
 * Chunks are kept in arrival order, stdout and stderr interleaved as they came.
 *
 * A write that fails (a full disk) never fails the task whose output this is: the output was
 * streamed already. The log then keeps nothing more (`kept` is false, `notKeptError` says why): it
 * frees its head, removes its files, counts on (offsets stay right) and reads back as empty, so
 * a resend carries no output and the result says output_not_kept.
 */
export class OutputLog {
  private head: LoggedChunk[] = [];
  private headBytes = 0;
  /** Whether the head is in `<base>.head` (and no longer in memory). */
  private headOnDisk = false;
  private tail: FileHandle | undefined;
  private tailOpening: Promise<FileHandle> | undefined;
  private tailBytes = 0;
  /** The tail file was created by this log (a later open appends to it). */
  private tailCreated = false;
  /** Once a chunk went to the tail, the rest follows it there (order is kept). */
  private spilling = false;
  private readonly lengths: Record<OutputStreamName, number> = { stdout: 0, stderr: 0 };
  private removed = false;
  /** Tail writes in order; the first failure makes the log give up keeping (notKept). */
  private writing: Promise<void> = Promise.resolve();
  private unwrittenBytes = 0;
  /** Why the output is not kept (the first write that failed); undefined while it is. */
  private lost: { error: unknown } | undefined;

  constructor(
    /** Path of the files without extension. */
    readonly base: string,
    private readonly memoryLimitBytes: number,
  ) {}

  /** False once a write failed: what was kept is dropped, and the output reads back as empty. */
  get kept(): boolean {
    return this.lost === undefined;
  }

  /** The write error that made the log stop keeping the output; undefined while it is kept. */
  get notKeptError(): unknown {
    return this.lost?.error;
  }

  /** Bytes of the output held in memory. */
  get memoryBytes(): number {
    return this.headOnDisk ? 0 : this.headBytes;
  }

  /** Bytes of each stream so far: where the next chunk of it starts. */
  length(stream: OutputStreamName): number {
    return this.lengths[stream];
  }

  get totalBytes(): number {
    return this.lengths.stdout + this.lengths.stderr;
  }

  /**
   * Keeps a chunk: in memory while the head has room, else appended to the tail file. Never
   * throws for the disk: a failed write makes the log stop keeping (see `kept`), and it only counts.
   */
  async append(stream: OutputStreamName, data: Buffer): Promise<void> {
    if (data.length === 0 || this.removed) return;
    const chunk: LoggedChunk = { stream, data, offset: this.lengths[stream] };
    this.lengths[stream] += data.length;
    if (this.lost) return;
    if (!this.spilling && !this.headOnDisk && this.headBytes + data.length <= this.memoryLimitBytes) {
      this.head.push(chunk);
      this.headBytes += data.length;
      return;
    }
    this.spilling = true;
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt8(STREAM_CODE[stream], 0);
    header.writeUInt32BE(data.length, 1);
    this.unwrittenBytes += data.length;
    this.writing = this.writing
      .then(async () => {
        if (this.removed || this.lost) return;
        const file = await this.openTail();
        await file.writev([header, data]);
        this.tailBytes += HEADER_BYTES + data.length;
      })
      .catch((error: unknown) => this.notKept(error))
      .finally(() => {
        this.unwrittenBytes -= data.length;
      });
    if (this.unwrittenBytes > WRITE_BEHIND_BYTES) await this.writing;
  }

  /** Waits for the tail writes handed over so far (a failed one makes `kept` false; it does not throw). */
  async flush(): Promise<void> {
    await this.writing;
  }

  /** A write failed: keep nothing more, free the head and remove the files (best effort, for the disk's sake). */
  private async notKept(error: unknown): Promise<void> {
    if (this.lost) return;
    this.lost = { error };
    this.head = [];
    this.headBytes = 0;
    this.headOnDisk = false;
    this.tailBytes = 0;
    await this.closeTail();
    await OutputLog.discard(this.base).catch(() => undefined);
  }

  /** Every chunk in the order it came: the head, then the tail. None when the output is not kept. */
  async *chunks(): AsyncGenerator<LoggedChunk> {
    await this.flush();
    if (this.lost) return;
    const offsets: Record<OutputStreamName, number> = { stdout: 0, stderr: 0 };
    const head = this.headOnDisk ? parseRecords(await readFile(`${this.base}.head`).catch(() => Buffer.alloc(0)), offsets) : this.head;
    if (!this.headOnDisk) for (const chunk of head) offsets[chunk.stream] = chunk.offset + chunk.data.length;
    yield* head;
    if (this.tailBytes === 0) return;
    const file = await open(`${this.base}.tail`, 'r');
    try {
      const header = Buffer.allocUnsafe(HEADER_BYTES);
      for (let position = 0; position + HEADER_BYTES <= this.tailBytes; ) {
        const { bytesRead } = await file.read(header, 0, HEADER_BYTES, position);
        if (bytesRead < HEADER_BYTES) return;
        const stream = streamOf(header.readUInt8(0));
        const length = header.readUInt32BE(1);
        if (stream === undefined || position + HEADER_BYTES + length > this.tailBytes) return; // torn
        const data = Buffer.allocUnsafe(length);
        const read = await file.read(data, 0, length, position + HEADER_BYTES);
        if (read.bytesRead < length) return;
        yield { stream, data, offset: offsets[stream] };
        offsets[stream] += length;
        position += HEADER_BYTES + length;
      }
    } finally {
      await file.close();
    }
  }

  /** The first bytes of each stream, at most `max` of each (reads no further than it needs). */
  async heads(max: Readonly<Record<OutputStreamName, number>>): Promise<Record<OutputStreamName, Buffer>> {
    const parts: Record<OutputStreamName, Buffer[]> = { stdout: [], stderr: [] };
    const room = { ...max };
    for await (const { stream, data } of this.chunks()) {
      if (room.stdout <= 0 && room.stderr <= 0) break;
      if (room[stream] <= 0) continue;
      const part = data.length <= room[stream] ? data : data.subarray(0, room[stream]);
      parts[stream].push(part);
      room[stream] -= part.length;
    }
    return { stdout: Buffer.concat(parts.stdout), stderr: Buffer.concat(parts.stderr) };
  }

  /** No more output for now: closes the tail file (a later append opens it again). */
  async close(): Promise<void> {
    await this.writing;
    await this.closeTail();
  }

  /** Writes the head to disk and frees its memory; closes the tail. Idempotent. A failed write: not kept (no throw). */
  async persist(): Promise<void> {
    if (this.removed) return;
    await this.flush();
    await this.closeTail();
    if (this.lost) return;
    if (this.headOnDisk || this.head.length === 0) {
      this.head = [];
      if (this.headBytes > 0) this.headOnDisk = true;
      return;
    }
    const temp = `${this.base}.head.tmp`;
    try {
      await writeFile(temp, encodeRecords(this.head), { mode: 0o600 });
      await rename(temp, `${this.base}.head`);
    } catch (error) {
      await this.notKept(error);
      return;
    }
    this.head = [];
    this.headOnDisk = true;
  }

  /** Deletes its files and memory; later appends are ignored. */
  async remove(): Promise<void> {
    this.removed = true;
    this.head = [];
    await this.writing;
    await this.closeTail();
    await OutputLog.discard(this.base);
  }

  /** Deletes the files of a log at `base`, if any. */
  static async discard(base: string): Promise<void> {
    await Promise.all(['.head', '.head.tmp', '.tail'].map((ext) => rm(`${base}${ext}`, { force: true })));
  }

  /** The log a previous run of the worker left at `base` (both files optional). */
  static async open(base: string): Promise<OutputLog> {
    const log = new OutputLog(base, 0);
    const headBytes = await stat(`${base}.head`).then((s) => s.size, () => 0);
    const tailBytes = await stat(`${base}.tail`).then((s) => s.size, () => 0);
    log.headOnDisk = headBytes > 0;
    log.headBytes = headBytes;
    log.tailBytes = tailBytes;
    log.spilling = true;
    log.tailCreated = true;
    for await (const chunk of log.chunks()) log.lengths[chunk.stream] = chunk.offset + chunk.data.length;
    return log;
  }

  private openTail(): Promise<FileHandle> {
    if (this.tail) return Promise.resolve(this.tail);
    // The first open truncates: a file of that name can only be a leftover of a run that died.
    const flags = this.tailCreated ? 'a' : 'w';
    this.tailCreated = true;
    this.tailOpening ??= open(`${this.base}.tail`, flags, 0o600).then((handle) => {
      this.tail = handle;
      return handle;
    });
    return this.tailOpening;
  }

  private async closeTail(): Promise<void> {
    const opening = this.tailOpening;
    this.tail = undefined;
    this.tailOpening = undefined;
    if (opening) await (await opening.catch(() => undefined))?.close().catch(() => undefined);
  }
}

function streamOf(code: number): OutputStreamName | undefined {
  return code === 1 ? 'stdout' : code === 2 ? 'stderr' : undefined;
}

function encodeRecords(chunks: readonly LoggedChunk[]): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt8(STREAM_CODE[chunk.stream], 0);
    header.writeUInt32BE(chunk.data.length, 1);
    parts.push(header, chunk.data);
  }
  return Buffer.concat(parts);
}

/** Records of a head file; `offsets` is advanced past them. A torn record ends the list. */
function parseRecords(bytes: Buffer, offsets: Record<OutputStreamName, number>): LoggedChunk[] {
  const chunks: LoggedChunk[] = [];
  for (let position = 0; position + HEADER_BYTES <= bytes.length; ) {
    const stream = streamOf(bytes.readUInt8(position));
    const length = bytes.readUInt32BE(position + 1);
    if (stream === undefined || position + HEADER_BYTES + length > bytes.length) break;
    const data = bytes.subarray(position + HEADER_BYTES, position + HEADER_BYTES + length);
    chunks.push({ stream, data, offset: offsets[stream] });
    offsets[stream] += length;
    position += HEADER_BYTES + length;
  }
  return chunks;
}
