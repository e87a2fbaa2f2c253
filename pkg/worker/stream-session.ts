import type { WorkerMessage } from '../gen/agent/v1/agent.js';
import { wireStream } from '../protocol/index.js';
import type { BeatSignal } from './beat-signal.js';
import { outputChunkBytes } from './message-limits.js';
import { Outbox } from './outbox.js';
import type { LoggedChunk } from './output-log.js';

/**
 * One registration's task stream, from the worker's side: what goes out on it (the outbox the
 * gRPC call consumes) and what the orchestrator said about it at Register. A session ends when
 * the stream does; the next registration is a new session with a new number.
 */
export interface StreamSessionTerms {
  readonly number: number;
  /** The orchestrator places chunks by offset: output may be resent as chunks (RegisterResponse.output_offsets). */
  readonly outputOffsets: boolean;
  /** The largest message that may be sent (sessionSendLimit). */
  readonly maxMessageBytes: number;
  /** The protocol version of the registration: the smaller of ours and RegisterResponse.protocol_version (0 is 1). */
  readonly protocolVersion: number;
}

export class StreamSession implements StreamSessionTerms {
  readonly outbox = new Outbox<WorkerMessage>();
  readonly number: number;
  readonly outputOffsets: boolean;
  readonly maxMessageBytes: number;
  readonly protocolVersion: number;
  private readonly openedAt = performance.now();
  private heardFrom = false;
  /** Results written to the stream and not acknowledged yet: task id → lease epoch, in the order written. */
  private readonly unacked = new Map<string, number>();

  constructor(terms: StreamSessionTerms, private readonly beat: BeatSignal) {
    this.number = terms.number;
    this.outputOffsets = terms.outputOffsets;
    this.maxMessageBytes = terms.maxMessageBytes;
    this.protocolVersion = terms.protocolVersion;
  }

  /** Over (or half-closed while the worker stops): what is sent now is dropped. */
  get closed(): boolean {
    return this.outbox.closed;
  }

  /** What the task stream call sends: the outbox, each result noted as it is written. */
  async *messages(): AsyncGenerator<WorkerMessage> {
    for await (const message of this.outbox.messages()) {
      if (message.event?.$case === 'completed') this.unacked.set(message.taskId, message.leaseEpoch);
      yield message;
    }
  }

  /** The orchestrator acknowledged a result. */
  acked(taskId: string, leaseEpoch: number): void {
    if (this.unacked.get(taskId) === leaseEpoch) this.unacked.delete(taskId);
  }

  /** The first result written and not acknowledged that `waiting` still holds: the suspect when the stream fails. */
  firstUnacked(waiting: (taskId: string, leaseEpoch: number) => boolean): { taskId: string; leaseEpoch: number } | undefined {
    for (const [taskId, leaseEpoch] of this.unacked) {
      if (waiting(taskId, leaseEpoch)) return { taskId, leaseEpoch };
    }
    return undefined;
  }

  /** The orchestrator sent something on the stream (an assignment, a cancel, an ack). */
  heard(): void {
    this.heardFrom = true;
  }

  /** The link worked: the orchestrator sent something, or the stream lasted `stableMs`. */
  provenAfter(stableMs: number): boolean {
    return this.heardFrom || performance.now() - this.openedAt >= stableMs;
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

  /** A chunk of a task's output, at its offset in its stream: in pieces that fit maxMessageBytes. */
  async sendOutput(taskId: string, leaseEpoch: number, { stream, data, offset }: LoggedChunk): Promise<void> {
    const piece = outputChunkBytes(this.maxMessageBytes, taskId);
    for (let start = 0; start < data.length; start += piece) {
      const part = start === 0 && data.length <= piece ? data : data.subarray(start, start + piece);
      await this.sendEvent(taskId, leaseEpoch, { $case: 'output', output: { stream: wireStream(stream), data: part, offset: offset + start } });
    }
  }

  close(): void {
    this.outbox.close();
  }
}
