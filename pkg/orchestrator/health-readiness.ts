import type { Readiness } from '../metrics/index.js';

export interface OrchestratorReadinessFacts {
  /** The gRPC server is bound and serving. */
  readonly listening: boolean;
  /** close() has begun. */
  readonly closing: boolean;
  /** Why the task store cannot write (a full disk), if it cannot: results are not acknowledged meanwhile. */
  readonly storeProblem?: string | undefined;
}

/** Ready (for /readyz): listening, not shutting down, and the task store writes. */
export function orchestratorReadiness(facts: OrchestratorReadinessFacts): Readiness {
  if (facts.closing) return { ready: false, reason: 'the orchestrator is shutting down' };
  if (!facts.listening) return { ready: false, reason: 'not listening yet' };
  if (facts.storeProblem !== undefined) return { ready: false, reason: facts.storeProblem };
  return { ready: true };
}
