/**
 * The worker's lifecycle, in one place (the link to the orchestrator has its own
 * ConnectionState, which goes up and down while the worker is RUNNING):
 *
 *   INITIALIZED ──start()──▶ RUNNING ──drain() / shutdown()──▶ DRAINING ──▶ STOPPED
 *   RUNNING ──reconnect attempts exhausted──▶ FAILED ──▶ STOPPED
 *   INITIALIZED ──shutdown()──▶ STOPPED
 *
 * DRAINING takes no new tasks; it finishes (drain) or stops (shutdown) the running ones,
 * reports every result, then unregisters.
 */
export type WorkerState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPED' | 'FAILED';

const ALLOWED: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  INITIALIZED: ['RUNNING', 'STOPPED'],
  RUNNING: ['DRAINING', 'FAILED'],
  DRAINING: ['STOPPED'],
  FAILED: ['DRAINING', 'STOPPED'],
  STOPPED: [],
};

export function canTransition(from: WorkerState, to: WorkerState): boolean {
  return ALLOWED[from].includes(to);
}
