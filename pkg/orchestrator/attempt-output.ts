import type { StreamName } from '../protocol/index.js';
import { createOutputBuffer, type OutputBuffer } from './output-buffer.js';

/**
 * The output of one attempt (one run) of a task: each stream as the result keeps it (the first
 * `capBytes`), and how many bytes of each came so far (not capped). A new attempt starts with a
 * new one.
 */
export interface AttemptOutput {
  readonly stdout: OutputBuffer;
  readonly stderr: OutputBuffer;
  /**
   * Bytes of each stream received so far: a chunk with an offset below it repeats what came
   * already (a resend after a lost link) and is trimmed to what is new.
   */
  readonly received: { stdout: number; stderr: number };
}

export function createAttemptOutput(capBytes: number): AttemptOutput {
  return { stdout: createOutputBuffer(capBytes), stderr: createOutputBuffer(capBytes), received: { stdout: 0, stderr: 0 } };
}

/**
 * Takes a chunk of `stream` that starts at `offset` (undefined: right after the chunk before,
 * as older workers send it): keeps only the bytes past what this attempt has, appends them to
 * the stream (up to the cap) and returns them, all of them, for the clients; undefined when the
 * chunk holds nothing new.
 */
export function takeChunk(output: AttemptOutput, stream: StreamName, data: Buffer, offset: number | undefined): Buffer | undefined {
  const have = output.received[stream];
  const skip = offset === undefined ? 0 : Math.max(0, have - offset);
  if (skip >= data.length) return undefined;
  const fresh = skip === 0 ? data : data.subarray(skip);
  output.received[stream] = (offset === undefined ? have : Math.max(have, offset)) + fresh.length;
  // The result keeps the first capBytes; clients get all of it, as it comes.
  output[stream].append(fresh);
  return fresh;
}
