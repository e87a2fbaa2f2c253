import { OutputStream, type TaskEvent } from '../gen/agent/v1/agent.js';
import { createAsyncQueue } from '../async/async-queue.js';

/**
 * The events of one task on their way to the client that submitted it, with a bound.
 *
 * Back-pressure policy: output chunks queued for a client that has not read them yet are
 * bounded by `maxBufferedBytes` (plus the one chunk that crossed it). Past the bound, `send`
 * returns a promise that settles once the client has read the queue down to half of it: the
 * orchestrator waits for it before it reads more from the worker's task stream, so a slow
 * client slows the worker (whose outbox then fills, which pauses the container's output) and
 * nothing grows. A client that reads nothing at all for `stallMs` while the queue is full no
 * longer holds the worker up: from then on its output chunks are dropped (every later chunk
 * of every stream, for this attempt), and `send` no longer waits. What the client received of a
 * stream is therefore always a prefix of the output, and the final `result` carries the first
 * (capped) bytes: a client can print `result.stdout.subarray(bytesAlreadyPrinted)` to catch up.
 * Lifecycle events (submitted, running, result) are never dropped. When a task runs again
 * (another attempt), its output starts over after a new `running` event, and so does dropping.
 * Once nobody reads (the call ended, or nobody followed the task), events are dropped at once.
 */
export interface TaskSubscriber {
  /** Queues an event; past the bound, returns a promise to wait for before sending more output. */
  send(event: TaskEvent): Promise<void> | undefined;
  /** No more events (after the result). */
  end(): void;
  /** No more events: after what is queued, the events end by throwing `error`. */
  fail(error: Error): void;
  /** The task is about to run again: output streams start over. */
  newAttempt(): void;
  /** The client's events; once the generator finishes (the call ended), nothing is kept for it. */
  events(signal: AbortSignal): AsyncGenerator<TaskEvent, void, undefined>;
  /** Whether output of a stream was dropped for this subscriber. */
  dropped(stream: OutputStream): boolean;
}

/** How long a client may read nothing while its queue is full before its output is dropped. */
export const DEFAULT_SUBSCRIBER_STALL_MS = 30_000;

export function createTaskSubscriber(options: { maxBufferedBytes: number; stallMs?: number }): TaskSubscriber {
  const stallMs = options.stallMs ?? DEFAULT_SUBSCRIBER_STALL_MS;
  const queue = createAsyncQueue<TaskEvent>();
  let bufferedBytes = 0;
  const droppedStreams = new Set<OutputStream>();
  /** The client read nothing for stallMs with a full queue: its output is dropped for this attempt. */
  let stalled = false;
  let gone = false;
  let failure: Error | undefined;
  let room: { promise: Promise<void>; resolve: () => void; timer: NodeJS.Timeout } | undefined;

  const release = (): void => {
    if (!room) return;
    clearTimeout(room.timer);
    room.resolve();
    room = undefined;
  };
  const waitForRoom = (): Promise<void> => {
    if (room) return room.promise;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const timer = setTimeout(() => {
      stalled = true;
      release();
    }, stallMs);
    room = { promise, resolve, timer };
    return promise;
  };

  return {
    send(event) {
      if (queue.ended || gone) return undefined;
      if (event.event?.$case === 'output') {
        const { stream, data } = event.event.output;
        if (stalled || droppedStreams.has(stream)) {
          droppedStreams.add(stream);
          return undefined;
        }
        bufferedBytes += data.length;
      }
      queue.push(event);
      return bufferedBytes > options.maxBufferedBytes ? waitForRoom() : undefined;
    },
    end() {
      queue.end();
      release();
    },
    fail(error) {
      if (queue.ended) return;
      failure = error;
      queue.end();
      release();
    },
    newAttempt() {
      droppedStreams.clear();
      stalled = false;
    },
    async *events(signal) {
      try {
        for await (const event of queue.consume(signal)) {
          if (event.event?.$case === 'output') bufferedBytes -= event.event.output.data.length;
          if (room) {
            // Progress: the stall clock starts over; below half the bound the sender goes on.
            if (bufferedBytes <= options.maxBufferedBytes / 2) release();
            else room.timer.refresh();
          }
          yield event;
        }
        if (failure) throw failure;
      } finally {
        gone = true;
        queue.clear();
        bufferedBytes = 0;
        release();
      }
    },
    dropped(stream) {
      return droppedStreams.has(stream);
    },
  };
}
