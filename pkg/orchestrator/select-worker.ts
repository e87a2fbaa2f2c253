import type { OrchestratorError } from './attempt-outcome.js';
import { describePlacement, isUnconstrained, matchesPlacement, type PlacedWorker, type Placement } from '../placement/placement.js';

/** What dispatch needs to know of a registered worker. */
export interface WorkerCandidate extends PlacedWorker {
  readonly toolTypes: readonly string[];
  /** 0 (unset) counts as 1. */
  readonly maxConcurrentTasks: number;
  readonly inFlight: number;
  /** Has an open TaskStream. */
  readonly connected: boolean;
  /** Neither draining nor unhealthy. */
  readonly accepting: boolean;
  /** Its disk is low (HeartbeatRequest.disk_low): it gets a task only when no other worker is free. */
  readonly diskLow?: boolean;
}

export interface DispatchRequest {
  readonly toolType: string;
  readonly builtin: boolean;
  /** Which workers may run it: a worker (agent id or name), a group, labels; empty fields for any. */
  readonly placement: Placement;
  /** Agent ids to use only when no other worker is free (those that ran earlier attempts). */
  readonly avoid?: ReadonlySet<string>;
  /**
   * The task waited in the queue (a retry, a restored task, one queued while workers were busy):
   * it was accepted for a tool some worker served, so no worker serving it now is NO_WORKER.
   */
  readonly waited?: boolean;
}

export type WorkerChoice =
  | { readonly kind: 'dispatch'; readonly agentId: string }
  | { readonly kind: 'wait' }
  | { readonly kind: 'fail'; readonly error: OrchestratorError };

export function slotsOf(worker: Pick<WorkerCandidate, 'maxConcurrentTasks'>): number {
  return Math.max(1, worker.maxConcurrentTasks);
}

/**
 * Picks the worker for a task: among the registered workers the placement allows (the named
 * worker, the group, every label) that serve the tool, a connected, accepting (not draining,
 * healthy) one with a free slot, least loaded first (fewest tasks in flight, then most free
 * slots, then registration order), and one that did not run an earlier attempt (or whose disk is
 * not low) before one that did. `wait` when such workers exist but none is free, connected or
 * accepting; `fail` when none can ever take it: NO_WORKER when no registered worker matches the
 * placement, UNKNOWN_TOOL for a type that is not built in and that no worker serves at
 * submission, NO_WORKER otherwise (also for a task that waited while its workers left).
 */
export function selectWorker(workers: readonly WorkerCandidate[], request: DispatchRequest): WorkerChoice {
  const { toolType, placement } = request;
  const pool = workers.filter((w) => matchesPlacement(w, placement));
  const anywhere = isUnconstrained(placement);
  if (pool.length === 0 && placement.worker !== '' && !workers.some((w) => w.agentId === placement.worker || w.name === placement.worker)) {
    return {
      kind: 'fail',
      error: { code: 'NO_WORKER', message: `no worker named or with id ${JSON.stringify(placement.worker)} is registered` },
    };
  }
  if (pool.length === 0 && workers.length > 0 && !anywhere) {
    return {
      kind: 'fail',
      error: { code: 'NO_WORKER', message: `no registered worker matches ${describePlacement(placement)} (${describeWorkers(workers)})` },
    };
  }
  const serving = pool.filter((w) => w.toolTypes.includes(toolType));
  if (serving.length === 0) {
    const code = request.builtin || request.waited === true || (!anywhere && workers.some((w) => w.toolTypes.includes(toolType))) ? 'NO_WORKER' : 'UNKNOWN_TOOL';
    const message = anywhere
      ? `no worker serving tool ${JSON.stringify(toolType)} is connected`
      : isUnconstrained({ ...placement, worker: '' })
        ? `worker ${JSON.stringify(placement.worker)} does not serve tool ${JSON.stringify(toolType)}`
        : `no worker matching ${describePlacement(placement)} serves tool ${JSON.stringify(toolType)}`;
    return { kind: 'fail', error: { code, message } };
  }
  // Lower is better: ran an earlier attempt, a low disk.
  const penalty = (w: WorkerCandidate): number => (request.avoid?.has(w.agentId) ? 1 : 0) + (w.diskLow === true ? 1 : 0);
  let best: WorkerCandidate | undefined;
  for (const w of serving) {
    if (!w.connected || !w.accepting || w.inFlight >= slotsOf(w)) continue;
    if (best === undefined || penalty(w) < penalty(best)) {
      best = w;
      continue;
    }
    if (penalty(w) > penalty(best)) continue;
    if (w.inFlight < best.inFlight || (w.inFlight === best.inFlight && slotsOf(w) - w.inFlight > slotsOf(best) - best.inFlight)) {
      best = w;
    }
  }
  return best ? { kind: 'dispatch', agentId: best.agentId } : { kind: 'wait' };
}

/** `w1 (group default), w2 (group gpu)`: what there is, for a message that says none matches; at most 5 named. */
function describeWorkers(workers: readonly WorkerCandidate[]): string {
  const named = workers.slice(0, 5).map((w) => `${w.name} in group ${w.group || 'default'}`);
  const more = workers.length > 5 ? `, and ${workers.length - 5} more` : '';
  return `registered: ${named.join(', ')}${more}`;
}
