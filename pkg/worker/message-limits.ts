import { WorkerMessage } from '../gen/agent/v1/agent.js';
import { peerReceiveLimit } from '../protocol/index.js';
import type { OutputStreamName } from './output-log.js';

/**
 * Bytes of an output message besides its data and task id, at most: the lease epoch, the
 * stream, the offset, and the tags and lengths around them (39 in fact).
 */
const OUTPUT_FRAMING_BYTES = 64;

/** Room kept free in a whole result beyond what its fields need when measured. */
const RESULT_HEADROOM_BYTES = 4 * 1024;

/**
 * The largest message the worker may send on a session: the orchestrator's receive limit
 * (RegisterResponse.max_receive_message_bytes; 0, unknown, is gRPC's default 4 MiB), and never
 * more than the worker's own --max-send-msg-size.
 */
export function sessionSendLimit(orchestratorReceiveLimit: number, ownSendLimit: number): number {
  return Math.min(peerReceiveLimit(orchestratorReceiveLimit), ownSendLimit);
}

/** RegisterRequest.max_receive_message_bytes for a receive limit (a uint32). */
export function advertisedReceiveLimit(maxRecvMsgSize: number): number {
  return Math.min(maxRecvMsgSize, 0xffff_ffff);
}

/** The most output bytes one output message of `taskId` may carry under `limitBytes` (at least 1). */
export function outputChunkBytes(limitBytes: number, taskId: string): number {
  return Math.max(1, limitBytes - Buffer.byteLength(taskId) - OUTPUT_FRAMING_BYTES);
}

/**
 * How much of each stream a whole result (its output inside) may carry so that its message fits
 * `limitBytes` with some headroom: everything when it fits, else a stream shorter than half the
 * room whole and the other cut to the rest, else half each. `message` is the result without
 * output (its other fields are measured).
 */
export function wholeResultCut(
  message: WorkerMessage,
  lengths: Readonly<Record<OutputStreamName, number>>,
  limitBytes: number,
): Record<OutputStreamName, number> {
  // Each stream adds a tag and a length of at most 5 bytes to what the message measures empty.
  const room = Math.max(0, limitBytes - WorkerMessage.encode(message).finish().length - 2 * 6 - RESULT_HEADROOM_BYTES);
  const { stdout, stderr } = lengths;
  if (stdout + stderr <= room) return { stdout, stderr };
  const half = Math.floor(room / 2);
  if (stdout <= half) return { stdout, stderr: room - stdout };
  if (stderr <= half) return { stdout: room - stderr, stderr };
  return { stdout: half, stderr: room - half };
}
