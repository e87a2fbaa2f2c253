/** One output stream of a task, assembled from chunks, keeping at most `capBytes`. */
export interface OutputBuffer {
  /** Keeps what fits under the cap and drops the rest, flagging truncation; returns what was kept. */
  append(data: Buffer): Buffer;
  /** The assembled bytes (a copy). */
  bytes(): Buffer;
  readonly length: number;
  readonly truncated: boolean;
}

export function createOutputBuffer(capBytes: number): OutputBuffer {
  const chunks: Buffer[] = [];
  let length = 0;
  let truncated = false;
  return {
    append(data) {
      const room = Math.max(0, capBytes - length);
      const kept = data.length <= room ? data : data.subarray(0, room);
      if (kept.length < data.length) truncated = true;
      if (kept.length === 0) return kept;
      chunks.push(Buffer.from(kept));
      length += kept.length;
      return kept;
    },
    bytes() {
      return Buffer.concat(chunks, length);
    },
    get length() {
      return length;
    },
    get truncated() {
      return truncated;
    },
  };
}
