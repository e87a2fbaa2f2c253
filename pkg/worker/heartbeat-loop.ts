import type { Metadata } from 'nice-grpc';
import type { AgentServiceClient, Lease } from '../gen/agent/v1/agent.js';
import type { Logger } from '../log/index.js';
import type { BeatSignal } from './beat-signal.js';
import { describeError } from './describe-error.js';

/** What each heartbeat reports, read at the moment it goes. */
export interface HeartbeatFacts {
  /** Leases held here: queued, running, or finished with a result not yet acknowledged. */
  leases(): Lease[];
  activeTaskIds(): string[];
  draining(): boolean;
  readonly engine?: { readonly healthy: boolean; readonly detail: string };
  /** The whole worker's health (engine, audit log, disk: workerHealth); wins over `engine` when given. */
  readonly health?: () => { readonly healthy: boolean; readonly detail: string; readonly diskLow: boolean };
  /** Leases the orchestrator says are not this worker's any more (HeartbeatResponse.revoked): stop them. */
  revoked(leases: readonly Lease[]): void;
}

export interface HeartbeatLoopOptions {
  readonly client: AgentServiceClient;
  readonly agentId: string;
  /** Chosen at registration (heartbeatInterval). */
  readonly intervalMs: number;
  readonly rpcTimeoutMs: number;
  readonly metadata: () => Metadata;
  readonly facts: HeartbeatFacts;
  readonly beat: BeatSignal;
  readonly logger: Logger;
  /** The orchestrator does not know this agent id any more: the session must end and register again. */
  readonly forgotten: () => void;
}

/** Beats every `intervalMs` (or at once when `beat` rings) until `signal`, or until the orchestrator forgot this worker. */
export async function runHeartbeats(options: HeartbeatLoopOptions, signal: AbortSignal): Promise<void> {
  const { client, agentId, facts, logger } = options;
  while (!signal.aborted) {
    try {
      const health = facts.health?.() ?? { healthy: facts.engine?.healthy ?? true, detail: facts.engine?.detail ?? '', diskLow: false };
      const { known, revoked } = await client.heartbeat(
        {
          agentId,
          activeTaskIds: facts.activeTaskIds(),
          timestampMs: Date.now(),
          draining: facts.draining(),
          healthy: health.healthy,
          healthDetail: health.detail,
          diskLow: health.diskLow,
          leases: facts.leases(),
        },
        { signal: AbortSignal.any([signal, AbortSignal.timeout(options.rpcTimeoutMs)]), metadata: options.metadata() },
      );
      if (revoked.length > 0) facts.revoked(revoked);
      if (!known) {
        // The id and token stay: registering with them lets a restarted orchestrator see that
        // this worker holds the leases it stored under that id, and give them back.
        logger.warn('orchestrator does not know this worker any more; registering again', { agentId });
        options.forgotten();
        return;
      }
    } catch (error) {
      if (signal.aborted) return;
      logger.warn('heartbeat failed', { error: describeError(error) });
    }
    await options.beat.wait(options.intervalMs, signal);
  }
}
