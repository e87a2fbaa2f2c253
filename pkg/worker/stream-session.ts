import { OutputStream, type WorkerMessage } from '../gen/agent/v1/agent.js';
import type { BeatSignal } from './beat-signal.js';
import { Outbox } from './outbox.js';
import type { LoggedChunk, OutputStreamName } from './output-log.js';

const WIRE_STREAM: Readonly<Record<OutputStreamName, OutputStream>> = {
  stdout: OutputStream.OUTPUT_STREAM_STDOUT,
  stderr: OutputStream.OUTPUT_STREAM_STDERR,
};

/**
 * One registration's task stream, from the worker's side: what goes out on it (the outbox the
 * gRPC call consumes) and what the orchestrator said about it at Register. A session ends when
 * the stream does; the next registration is a new session with a new number.
 */
export class StreamSession {
  readonly outbox = new Outbox<WorkerMessage>();

  constructor(
    readonly number: number,
    /** The orchestrator places chunks by offset: output may be resent as chunks (RegisterResponse.output_offsets). */
    readonly outputOffsets: boolean,
    private readonly beat: BeatSignal,
  ) {}

  /** Over (or half-closed while the worker stops): what is sent now is dropped. */
  get closed(): boolean {
    return this.outbox.closed;
  }

  /** Ask the heartbeat loop for a beat now (drain started, engine health changed). */
  beatNow(): void {
    this.beat.ring();
  }

  /** Resolves once the stream has room for it (see Outbox). */
  send(message: WorkerMessage): Promise<void> {
    return this.outbox.send(message);
  }

  sendEvent(taskId: string, leaseEpoch: number, event: NonNullable<WorkerMessage['event']>): Promise<void> {
    return this.outbox.send({ taskId, leaseEpoch, event });
  }

  /** A chunk of a task's output, at its offset in its stream. */
  sendOutput(taskId: string, leaseEpoch: number, { stream, data, offset }: LoggedChunk): Promise<void> {
    return this.sendEvent(taskId, leaseEpoch, { $case: 'output', output: { stream: WIRE_STREAM[stream], data, offset } });
  }

  close(): void {
    this.outbox.close();
  }
}
