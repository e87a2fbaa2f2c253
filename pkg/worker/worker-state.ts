/**
 * The worker's lifecycle, in one place:
 *
 *   INITIALIZED ──start()──▶ CONNECTING ──registered──▶ RUNNING
 *        RUNNING ──link lost──▶ CONNECTING (retries at the reconnect interval)
 *   CONNECTING | RUNNING ──shutdown()──▶ STOPPING ──▶ STOPPED
 *   CONNECTING ──reconnect attempts exhausted──▶ FAILED
 */
export type WorkerState = 'INITIALIZED' | 'CONNECTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'FAILED';

const ALLOWED: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  INITIALIZED: ['CONNECTING', 'STOPPING'],
  CONNECTING: ['RUNNING', 'STOPPING', 'FAILED'],
  RUNNING: ['CONNECTING', 'STOPPING'],
  STOPPING: ['STOPPED'],
  STOPPED: [],
  FAILED: ['STOPPING'],
};

export function canTransition(from: WorkerState, to: WorkerState): boolean {
  return ALLOWED[from].includes(to);
}
