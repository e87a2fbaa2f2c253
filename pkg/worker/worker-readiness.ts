import type { Readiness } from '../metrics/readiness.js';
import type { ConnectionState } from './connection-state.js';
import type { DiskState } from './disk-health.js';
import type { WorkerState } from './worker-state.js';

export interface ReadinessFacts {
  readonly state: WorkerState;
  readonly connection: ConnectionState;
  readonly engineHealthy: boolean;
  readonly engineDetail: string;
  /** Why the audit log cannot be written (AuditLog.problem); undefined while it can. */
  readonly auditProblem?: string | undefined;
  /** The work dir's free space (DiskHealth). */
  readonly disk?: DiskState;
}

export type { Readiness };

/**
 * Ready (for /readyz): running, registered with the orchestrator with the task stream open, the
 * Docker engine answering, the audit log writable and the work dir not full. A low disk is
 * ready, with a warning.
 */
export function workerReadiness(facts: ReadinessFacts): Readiness {
  if (facts.state !== 'RUNNING') return { ready: false, reason: `the worker is ${facts.state}` };
  if (facts.connection !== 'READY') return { ready: false, reason: `not registered with the orchestrator (connection ${facts.connection})` };
  if (!facts.engineHealthy) return { ready: false, reason: `Docker engine unavailable: ${facts.engineDetail || 'no answer'}` };
  if (facts.auditProblem !== undefined) return { ready: false, reason: facts.auditProblem };
  if (facts.disk?.level === 'full') return { ready: false, reason: facts.disk.detail };
  if (facts.disk?.level === 'low') return { ready: true, warning: facts.disk.detail };
  return { ready: true };
}
