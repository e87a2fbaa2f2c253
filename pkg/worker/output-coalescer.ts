import type { OutputStreamName } from './output-log.js';

/** Largest output chunk the worker sends (one OutputChunk message). */
export const OUTPUT_CHUNK_BYTES = 64 * 1024;
/** How long a partial chunk waits for more output before it goes out. */
export const OUTPUT_FLUSH_DELAY_MS = 5;

export interface OutputCoalescerOptions {
  readonly maxChunkBytes?: number;
  readonly flushDelayMs?: number;
}

/**
 * Joins a task's small output chunks (docker's demuxed frames, often 4–32 KiB) into chunks of
 * up to `maxChunkBytes` for the wire. A partial chunk goes out after `flushDelayMs` without
 * more output, when the other stream writes, or at `flush()`. Output is handed on in exactly
 * the order it came, stdout and stderr interleaved as they were: a chunk holds one stream's
 * consecutive bytes. Back-pressure: `push` resolves only once the sink has taken what came
 * before a full chunk, so at most two chunks are held here while the sink is slow.
 */
export class OutputCoalescer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingStream: OutputStreamName = 'stdout';
  private timer: NodeJS.Timeout | undefined;
  /** The sink's work so far, in order; a failure stays in it and fails later pushes. */
  private sent: Promise<void> = Promise.resolve();
  private readonly maxChunkBytes: number;
  private readonly flushDelayMs: number;

  constructor(
    private readonly sink: (stream: OutputStreamName, data: Buffer) => Promise<void>,
    options: OutputCoalescerOptions = {},
  ) {
    this.maxChunkBytes = Math.max(1, options.maxChunkBytes ?? OUTPUT_CHUNK_BYTES);
    this.flushDelayMs = options.flushDelayMs ?? OUTPUT_FLUSH_DELAY_MS;
  }

  async push(stream: OutputStreamName, data: Buffer): Promise<void> {
    if (data.length === 0) return;
    if (this.pendingBytes > 0 && stream !== this.pendingStream) await this.flushPending();
    let rest = data;
    while (rest.length > 0) {
      const take = rest.length <= this.maxChunkBytes - this.pendingBytes ? rest : rest.subarray(0, this.maxChunkBytes - this.pendingBytes);
      this.pending.push(take);
      this.pendingBytes += take.length;
      this.pendingStream = stream;
      rest = rest.subarray(take.length);
      if (this.pendingBytes >= this.maxChunkBytes) await this.flushPending();
    }
    if (this.pendingBytes > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushPending().catch(() => undefined); // kept in `sent`: the next push or flush throws it
      }, this.flushDelayMs);
    }
  }

  /** Hands on what is pending and waits until the sink has taken everything. */
  async flush(): Promise<void> {
    await this.flushPending();
  }

  /**
   * Runs `job` in the sink's order: after everything handed on so far, before what comes later
   * (it may read what the sink kept, which does not change meanwhile). A failure of `job` is its
   * own: it neither fails later pushes nor is failed by an earlier one.
   */
  after(job: () => Promise<void>): Promise<void> {
    const ran = this.sent.catch(() => undefined).then(job).catch(() => undefined);
    this.sent = Promise.all([this.sent, ran]).then(() => undefined);
    return ran;
  }

  /** Drops what is pending and stops the timer (the task is over without a flush). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private flushPending(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingBytes > 0) {
      const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
      const stream = this.pendingStream;
      this.pending = [];
      this.pendingBytes = 0;
      this.sent = this.sent.then(() => this.sink(stream, data));
    }
    return this.sent;
  }
}
