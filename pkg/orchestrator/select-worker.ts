import type { OrchestratorError } from './task-outcome.js';

/** What dispatch needs to know of a registered worker. */
export interface WorkerCandidate {
  readonly agentId: string;
  readonly name: string;
  readonly toolTypes: readonly string[];
  /** 0 (unset) counts as 1. */
  readonly maxConcurrentTasks: number;
  readonly inFlight: number;
  /** Has an open TaskStream. */
  readonly connected: boolean;
  /** Neither draining nor unhealthy. */
  readonly accepting: boolean;
}

export interface DispatchRequest {
  readonly toolType: string;
  readonly builtin: boolean;
  /** Agent id or name of the one worker to use; empty for any. */
  readonly target: string;
  /** Agent ids to use only when no other worker is free (those that ran earlier attempts). */
  readonly avoid?: ReadonlySet<string>;
}

export type WorkerChoice =
  | { readonly kind: 'dispatch'; readonly agentId: string }
  | { readonly kind: 'wait' }
  | { readonly kind: 'fail'; readonly error: OrchestratorError };

export function slotsOf(worker: Pick<WorkerCandidate, 'maxConcurrentTasks'>): number {
  return Math.max(1, worker.maxConcurrentTasks);
}

/**
 * Picks the worker for a task: among the registered workers (or the targeted one) that serve
 * the tool, a connected, accepting (not draining, healthy) one with a free slot, least loaded
 * first (fewest tasks in flight, then most free slots, then registration order), and one that
 * did not run an earlier attempt before one that did. `wait` when such workers exist but none is
 * free, connected or accepting; `fail` when none serves the tool at all: UNKNOWN_TOOL for a type
 * that is not built in, NO_WORKER otherwise or when the target is unknown.
 */
export function selectWorker(workers: readonly WorkerCandidate[], request: DispatchRequest): WorkerChoice {
  const { toolType, target } = request;
  const pool = target === '' ? workers : workers.filter((w) => w.agentId === target || w.name === target);
  if (target !== '' && pool.length === 0) {
    return {
      kind: 'fail',
      error: { code: 'NO_WORKER', message: `no worker named or with id ${JSON.stringify(target)} is registered` },
    };
  }
  const serving = pool.filter((w) => w.toolTypes.includes(toolType));
  if (serving.length === 0) {
    const code = request.builtin ? 'NO_WORKER' : 'UNKNOWN_TOOL';
    const message =
      target === ''
        ? `no worker serving tool ${JSON.stringify(toolType)} is connected`
        : `worker ${JSON.stringify(target)} does not serve tool ${JSON.stringify(toolType)}`;
    return { kind: 'fail', error: { code, message } };
  }
  const avoided = (w: WorkerCandidate): boolean => request.avoid?.has(w.agentId) ?? false;
  let best: WorkerCandidate | undefined;
  for (const w of serving) {
    if (!w.connected || !w.accepting || w.inFlight >= slotsOf(w)) continue;
    if (best === undefined || (avoided(best) && !avoided(w))) {
      best = w;
      continue;
    }
    if (avoided(w) && !avoided(best)) continue;
    if (w.inFlight < best.inFlight || (w.inFlight === best.inFlight && slotsOf(w) - w.inFlight > slotsOf(best) - best.inFlight)) {
      best = w;
    }
  }
  return best ? { kind: 'dispatch', agentId: best.agentId } : { kind: 'wait' };
}
