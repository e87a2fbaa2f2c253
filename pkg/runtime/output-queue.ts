/**
 * A single-consumer async queue of byte chunks with back-pressure: past `highWaterBytes`
 * queued it calls `pause()` on the producer, and `resume()` once the consumer has taken it
 * below half of that. The producer is never blocked in memory beyond one chunk over the mark.
 */
export class OutputQueue<T extends { readonly data: Buffer }> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private queuedBytes = 0;
  private paused = false;
  private done = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly highWaterBytes: number,
    private readonly producer: { pause(): void; resume(): void },
  ) {}

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.queuedBytes += item.data.length;
    if (!this.paused && this.queuedBytes >= this.highWaterBytes) {
      this.paused = true;
      this.producer.pause();
    }
    this.notify();
  }

  /** No more items will come; the consumer finishes what is queued. */
  end(): void {
    this.done = true;
    this.notify();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.failure = { error };
    this.done = true;
    this.notify();
  }

  get ended(): boolean {
    return this.done;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        this.queuedBytes -= item.data.length;
        if (this.paused && this.queuedBytes <= this.highWaterBytes / 2) {
          this.paused = false;
          this.producer.resume();
        }
        yield item;
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
