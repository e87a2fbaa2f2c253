import type { Readiness } from '../metrics/readiness.js';
import type { ConnectionState } from './connection-state.js';
import type { WorkerState } from './worker-state.js';

export interface ReadinessFacts {
  readonly state: WorkerState;
  readonly connection: ConnectionState;
  readonly engineHealthy: boolean;
  readonly engineDetail: string;
}

export type { Readiness };

/** Ready (for /readyz): running, registered with the orchestrator with the task stream open, and the Docker engine answering. */
export function workerReadiness(facts: ReadinessFacts): Readiness {
  if (facts.state !== 'RUNNING') return { ready: false, reason: `the worker is ${facts.state}` };
  if (facts.connection !== 'READY') return { ready: false, reason: `not registered with the orchestrator (connection ${facts.connection})` };
  if (!facts.engineHealthy) return { ready: false, reason: `Docker engine unavailable: ${facts.engineDetail || 'no answer'}` };
  return { ready: true };
}
