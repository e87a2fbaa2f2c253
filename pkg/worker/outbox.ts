import { createAsyncQueue } from '../async/async-queue.js';

/**
 * Messages from many tasks to one outgoing gRPC stream. `send` resolves once the stream has
 * room (fewer than `highWater` messages waiting), so a slow link slows the tasks' output
 * instead of growing memory. After `close`, sends are dropped.
 */
export class Outbox<T> {
  private readonly queue = createAsyncQueue<T>();
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly highWater = 64) {}

  get closed(): boolean {
    return this.queue.ended;
  }

  async send(message: T): Promise<void> {
    while (!this.queue.ended && this.queue.size >= this.highWater) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.queue.push(message);
  }

  close(): void {
    this.queue.end();
    this.release();
  }

  async *messages(signal?: AbortSignal): AsyncGenerator<T> {
    for await (const message of this.queue.consume(signal)) {
      this.release();
      yield message;
    }
  }

  private release(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
