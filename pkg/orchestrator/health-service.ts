import type { ServiceImplementation } from 'nice-grpc';
import { HealthDefinition, HealthServiceImpl, HealthState } from 'nice-grpc-server-health';
import { AgentServiceDefinition, TaskServiceDefinition } from '../gen/agent/v1/agent.js';

/** The names the health service answers for: the server as a whole (""), and each service on it. */
export const HEALTH_SERVICE_NAMES: readonly string[] = ['', AgentServiceDefinition.fullName, TaskServiceDefinition.fullName];

export interface OrchestratorHealth {
  readonly definition: typeof HealthDefinition;
  readonly implementation: ServiceImplementation<typeof HealthDefinition>;
  /** Every name SERVING (the server listens). */
  serving(): void;
  /** Every name NOT_SERVING for now (the task store cannot write); serving() again when it can. */
  notServing(): void;
  /** Every name NOT_SERVING for good (the orchestrator is closing); open Watch calls get that, then end. */
  stop(): void;
}

/**
 * The standard gRPC health service (grpc.health.v1.Health: Check, Watch) for the orchestrator's
 * server, from nice-grpc-server-health. Names start NOT_SERVING; other names are NOT_FOUND
 * (Check) or SERVICE_UNKNOWN (Watch). Watch calls end normally at stop(), so that one open
 * Watch does not hold the server's shutdown for its whole grace period.
 */
export function createHealthService(): OrchestratorHealth {
  const state = HealthState();
  state.setMaxListeners(0); // each open Watch waits on it
  const stopped = new AbortController();
  const impl = HealthServiceImpl(state);
  const setAll = (status: 'healthy' | 'unhealthy'): void => {
    for (const name of HEALTH_SERVICE_NAMES) state.setStatus(status, name);
  };
  setAll('unhealthy');
  return {
    definition: HealthDefinition,
    implementation: {
      check: (request, context) => impl.check(request, context),
      async *watch(request, context) {
        // The status change that stop() makes is yielded before the aborted wait for the next one ends this.
        const signal = AbortSignal.any([context.signal, stopped.signal]);
        try {
          yield* impl.watch(request, { ...context, signal });
        } catch (error) {
          if (stopped.signal.aborted && !context.signal.aborted) return;
          throw error;
        }
      },
    },
    serving() {
      if (!stopped.signal.aborted) setAll('healthy');
    },
    notServing() {
      if (!stopped.signal.aborted) setAll('unhealthy');
    },
    stop() {
      setAll('unhealthy');
      stopped.abort();
    },
  };
}
