import type { Readiness } from '../metrics/index.js';

export interface OrchestratorReadinessFacts {
  /** The gRPC server is bound and serving. */
  readonly listening: boolean;
  /** close() has begun. */
  readonly closing: boolean;
}

/** Ready (for /readyz): listening, and not shutting down. */
export function orchestratorReadiness(facts: OrchestratorReadinessFacts): Readiness {
  if (facts.closing) return { ready: false, reason: 'the orchestrator is shutting down' };
  if (!facts.listening) return { ready: false, reason: 'not listening yet' };
  return { ready: true };
}
