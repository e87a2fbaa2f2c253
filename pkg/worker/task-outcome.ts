import type { ErrorCode } from '../errors/index.js';
import type { OutputStreamName } from '../runtime/index.js';

export type FinalState = 'COMPLETED' | 'FAILED' | 'TIMEOUT' | 'CANCELLED';

/** How one task ended. Output is not here: it was streamed as TaskProgress events. */
export interface TaskOutcome {
  readonly state: FinalState;
  /** The process's exit code; -1 when no process ran to an exit of its own. */
  readonly exitCode: number;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly durationMs: number;
  readonly runtime: string;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

/** What a task reports while it runs. */
export type TaskProgress =
  | { readonly type: 'running'; readonly containerId: string; readonly runtime: string }
  | { readonly type: 'output'; readonly stream: OutputStreamName; readonly data: Buffer };
