import type { EngineEnding } from './judge-container-end.js';

export type OutputStreamName = 'stdout' | 'stderr';

/** What a container run reports, in order: started, output chunks, exit. */
export type RunEvent =
  | { readonly type: 'started'; readonly containerId: string; readonly runtime: string; readonly profile: string }
  | { readonly type: 'output'; readonly stream: OutputStreamName; readonly data: Buffer }
  | {
      readonly type: 'exit';
      readonly exitCode: number;
      readonly oomKilled: boolean;
      /** The PID limit refused a fork while the container ran (see watchPidsLimit). */
      readonly pidsLimitHit: boolean;
      /** Set when the engine, not the tool, ended the process (stopped by the daemon, its shim gone): the exit code is not the tool's. */
      readonly engineEnded?: EngineEnding;
      readonly stdoutTruncated: boolean;
      readonly stderrTruncated: boolean;
    };

/**
 * An abort reason the runner understands: how long the process gets between SIGTERM and
 * SIGKILL. Any other reason (or none) means a kill at once.
 */
export interface StopGrace {
  readonly graceMs: number;
}

export function graceOf(reason: unknown): number {
  if (typeof reason === 'object' && reason !== null && 'graceMs' in reason) {
    const graceMs = (reason as StopGrace).graceMs;
    if (typeof graceMs === 'number' && Number.isFinite(graceMs) && graceMs > 0) return graceMs;
  }
  return 0;
}
