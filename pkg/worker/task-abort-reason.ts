import type { StopGrace } from '../runtime/index.js';

/** Why a running task was stopped; carried as the AbortSignal's reason. */
export type TaskAbortKind =
  | 'TIMEOUT'
  | 'ORCHESTRATOR_CANCEL'
  | 'CALLER_CANCEL'
  | 'WORKER_SHUTDOWN'
  | 'ENGINE_UNAVAILABLE';

export class TaskAbortReason implements StopGrace {
  constructor(
    readonly kind: TaskAbortKind,
    /** Time between SIGTERM and SIGKILL; 0 kills at once. */
    readonly graceMs: number,
  ) {}
}

export function abortKindOf(reason: unknown): TaskAbortKind {
  return reason instanceof TaskAbortReason ? reason.kind : 'CALLER_CANCEL';
}
