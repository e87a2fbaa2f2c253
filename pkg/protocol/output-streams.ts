import { OutputStream } from '../gen/agent/v1/agent.js';

/** A task's output streams, by name. */
export type StreamName = 'stdout' | 'stderr';

/** The wire value (OutputChunk.stream) of a stream. */
export function wireStream(stream: StreamName): OutputStream {
  return stream === 'stdout' ? OutputStream.OUTPUT_STREAM_STDOUT : OutputStream.OUTPUT_STREAM_STDERR;
}

/** The stream a wire value names; undefined for UNSPECIFIED or a value this build does not know. */
export function streamName(stream: OutputStream): StreamName | undefined {
  if (stream === OutputStream.OUTPUT_STREAM_STDOUT) return 'stdout';
  if (stream === OutputStream.OUTPUT_STREAM_STDERR) return 'stderr';
  return undefined;
}
