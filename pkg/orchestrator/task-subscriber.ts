import { OutputStream, type TaskEvent } from '../gen/agent/v1/agent.js';
import { createAsyncQueue } from '../async/async-queue.js';

/**
 * The events of one task on their way to the client that submitted it, with a bound.
 *
 * Back-pressure policy: the orchestrator never waits for a client. Output chunks queued for a
 * client that has not read them yet are bounded by `maxBufferedBytes`; once a chunk of a
 * stream does not fit, that chunk and every later chunk of the same stream are dropped for
 * this subscriber. What the client received of a stream is therefore always a prefix of the
 * assembled output in the final `result`, which carries the whole (capped) output: a client
 * can print `result.stdout.subarray(bytesAlreadyPrinted)` to catch up. Lifecycle events
 * (submitted, running, result) are never dropped. When a task runs again (another attempt), its
 * output starts over after a new `running` event, and the dropping starts over with it.
 */
export interface TaskSubscriber {
  send(event: TaskEvent): void;
  /** No more events (after the result). */
  end(): void;
  /** No more events: after what is queued, the events end by throwing `error`. */
  fail(error: Error): void;
  /** The task is about to run again: output streams start over. */
  newAttempt(): void;
  events(signal: AbortSignal): AsyncGenerator<TaskEvent, void, undefined>;
  /** Whether output of a stream was dropped for this subscriber. */
  dropped(stream: OutputStream): boolean;
}

export function createTaskSubscriber(options: { maxBufferedBytes: number }): TaskSubscriber {
  const queue = createAsyncQueue<TaskEvent>();
  let bufferedBytes = 0;
  const droppedStreams = new Set<OutputStream>();
  let failure: Error | undefined;

  return {
    send(event) {
      if (event.event?.$case === 'output') {
        const { stream, data } = event.event.output;
        if (droppedStreams.has(stream)) return;
        if (bufferedBytes + data.length > options.maxBufferedBytes) {
          droppedStreams.add(stream);
          return;
        }
        bufferedBytes += data.length;
      }
      queue.push(event);
    },
    end() {
      queue.end();
    },
    fail(error) {
      if (queue.ended) return;
      failure = error;
      queue.end();
    },
    newAttempt() {
      droppedStreams.clear();
    },
    async *events(signal) {
      for await (const event of queue.consume(signal)) {
        if (event.event?.$case === 'output') bufferedBytes -= event.event.output.data.length;
        yield event;
      }
      if (failure) throw failure;
    },
    dropped(stream) {
      return droppedStreams.has(stream);
    },
  };
}
