import { Writable } from 'node:stream';

/**
 * A Writable that hands on at most `capBytes` in total and drops the rest, remembering that it
 * did. It never holds data itself: what it accepts goes straight to `deliver`.
 */
export class CappedSink extends Writable {
  private delivered = 0;
  private dropped = false;

  constructor(
    private readonly capBytes: number,
    private readonly deliver: (data: Buffer) => void,
  ) {
    super();
  }

  get truncated(): boolean {
    return this.dropped;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const room = this.capBytes - this.delivered;
    if (chunk.length > room) this.dropped = true;
    const take = Math.max(0, Math.min(room, chunk.length));
    if (take > 0) {
      this.delivered += take;
      this.deliver(take === chunk.length ? chunk : chunk.subarray(0, take));
    }
    callback();
  }
}
