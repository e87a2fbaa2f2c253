import { Writable } from 'node:stream';

/**
 * Where a started container's demuxed stdout or stderr goes before and after a run takes it:
 * until `connect`, chunks are kept (up to `earlyCapBytes`, the rest dropped: a warm container's
 * start shim says nothing unless it fails); from `connect` on, every chunk goes to `deliver`,
 * kept ones first. It never holds data once connected.
 */
export class OutputRelay extends Writable {
  private deliver: ((data: Buffer) => void) | undefined;
  private early: Buffer[] = [];
  private earlyBytes = 0;

  constructor(private readonly earlyCapBytes = 4096) {
    super();
  }

  connect(deliver: (data: Buffer) => void): void {
    const early = this.early;
    this.early = [];
    this.earlyBytes = 0;
    this.deliver = deliver;
    for (const chunk of early) deliver(chunk);
  }

  /** What came before `connect` (for a log line about a warm container that died). */
  get earlyText(): string {
    return Buffer.concat(this.early).toString('utf8');
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.deliver) {
      this.deliver(chunk);
    } else {
      const room = this.earlyCapBytes - this.earlyBytes;
      if (room > 0) {
        const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
        this.early.push(kept);
        this.earlyBytes += kept.length;
      }
    }
    callback();
  }
}
