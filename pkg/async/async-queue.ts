/**
 * A single-consumer FIFO of items that one side pushes and the other consumes as an async
 * iterable. `end()` lets the consumer drain what is queued and then finish. Bounds are the
 * producer's business (see task-subscriber.ts); the queue itself only counts.
 */
export interface AsyncQueue<T> {
  push(item: T): void;
  /** No more items; the consumer finishes after draining. Idempotent. */
  end(): void;
  /** Drops what is queued and not yet consumed. */
  clear(): void;
  readonly ended: boolean;
  readonly size: number;
  /**
   * Yields queued items as they come until `end()`; throws the signal's reason (an AbortError
   * for a gRPC call) when the signal aborts while waiting.
   */
  consume(signal?: AbortSignal): AsyncGenerator<T, void, undefined>;
}

export function createAsyncQueue<T>(): AsyncQueue<T> {
  const items: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;

  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const waitForItem = (signal: AbortSignal | undefined): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onWake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        if (wake === onWake) wake = undefined;
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      wake = onWake;
    });

  return {
    push(item) {
      if (ended) return;
      items.push(item);
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    clear() {
      items.length = 0;
    },
    get ended() {
      return ended;
    },
    get size() {
      return items.length;
    },
    async *consume(signal) {
      while (true) {
        signal?.throwIfAborted();
        if (items.length > 0) {
          yield items.shift() as T;
          continue;
        }
        if (ended) return;
        await waitForItem(signal);
      }
    },
  };
}
