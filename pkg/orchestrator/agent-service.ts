import { ServerError, Status, type CallContext } from 'nice-grpc-common';
import { WORKER_KEY_METADATA } from '../rpc/worker-key.js';
import { AGENT_TOKEN_METADATA } from '../rpc/agent-token.js';
import type { WorkerKeys } from './worker-keys.js';
import type { AgentServiceImplementation, WorkerMessage } from '../gen/agent/v1/agent.js';
import type { TaskBroker, WorkerSession } from './task-broker.js';
import { effectiveGroup } from '../placement/placement.js';
import { registrationProblem } from './validate-registration.js';
import { MIN_PROTOCOL_VERSION, negotiateProtocolVersion, peerReceiveLimit } from '../protocol/index.js';

/** AgentService: converts between the wire and the broker; the broker holds all state. */
export function createAgentService(
  broker: TaskBroker,
  options: {
    heartbeatIntervalMs: number;
    /** The orchestrator's receive limit (--max-recv-msg-size), told to every worker at Register. */
    maxReceiveMessageBytes: number;
    workerKeys?: WorkerKeys;
  },
): AgentServiceImplementation {
  const keys = options.workerKeys;
  /** With worker keys, the call must carry the key of `group`. */
  const checkGroupKey = (group: string, context: CallContext): void => {
    if (keys?.required && !keys.allows(group, context.metadata.get(WORKER_KEY_METADATA))) {
      throw new ServerError(Status.PERMISSION_DENIED, `the worker key is not the key of group ${JSON.stringify(group)}`);
    }
  };
  /** A call about a registered agent must carry the key of the agent's group. */
  const checkAgentKey = (agentId: string, context: CallContext): void => {
    if (!keys?.required) return;
    const group = broker.workerGroup(agentId);
    if (group !== undefined) checkGroupKey(group, context);
  };
  /**
   * A call about a registered agent (Heartbeat, Unregister, TaskStream) must come from that
   * worker: trusted as agent X is only the caller that presents X's resume token (metadata
   * x-baaaht-agent-token), which Register gave to X alone. The group key is no proof: every
   * worker of the group has it. `unknown` ids are answered as before (known=false, NOT_FOUND).
   */
  const checkAgentToken = (agentId: string, context: CallContext): 'known' | 'unknown' => {
    const verdict = broker.authenticateWorker(agentId, context.metadata.get(AGENT_TOKEN_METADATA));
    if (verdict === 'denied') {
      throw new ServerError(Status.PERMISSION_DENIED, `this call is about agent id ${JSON.stringify(agentId)}; it needs that worker's resume token (${AGENT_TOKEN_METADATA})`);
    }
    return verdict === 'ok' ? 'known' : 'unknown';
  };

  return {
    async register(request, context) {
      if (broker.shuttingDown) throw new ServerError(Status.UNAVAILABLE, 'the orchestrator is shutting down');
      const group = effectiveGroup(request.group);
      const problem = registrationProblem(request);
      if (problem !== undefined) throw new ServerError(Status.INVALID_ARGUMENT, `Register: ${problem}`);
      checkGroupKey(group, context);
      // Resuming another group's registration would move it past its key check.
      if (request.agentId !== '') checkAgentKey(request.agentId, context);
      const protocolVersion = negotiateProtocolVersion(request.protocolVersion);
      if (protocolVersion === undefined) {
        throw new ServerError(
          Status.FAILED_PRECONDITION,
          `Register: protocol version ${request.protocolVersion} is older than the oldest this orchestrator speaks (${MIN_PROTOCOL_VERSION})`,
        );
      }
      const outcome = broker.registerWorker(
        {
          name: request.name,
          hostname: request.hostname,
          pid: request.pid,
          version: request.version,
          group,
          labels: request.labels,
          capabilities: request.capabilities ?? { toolTypes: [], maxConcurrentTasks: 0, runtimes: [] },
          bootId: request.bootId,
          protocolVersion,
          maxReceiveMessageBytes: peerReceiveLimit(request.maxReceiveMessageBytes),
        },
        { agentId: request.agentId, token: request.resumeToken },
      );
      if (outcome.kind === 'denied') throw new ServerError(Status.PERMISSION_DENIED, outcome.message);
      const { agentId, resumed, resumeToken } = outcome;
      return {
        agentId,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        resumed,
        outputOffsets: true,
        resumeToken,
        protocolVersion,
        maxReceiveMessageBytes: options.maxReceiveMessageBytes,
      };
    },

    async unregister(request, context) {
      checkAgentKey(request.agentId, context);
      if (checkAgentToken(request.agentId, context) === 'unknown') return {};
      broker.unregisterWorker(request.agentId, request.reason); // unknown ids: nothing to do
      return {};
    },

    async heartbeat(request, context) {
      checkAgentKey(request.agentId, context);
      if (checkAgentToken(request.agentId, context) === 'unknown') return { known: false, revoked: [] };
      const { known, revoked } = broker.heartbeat(request.agentId, {
        activeTaskIds: request.activeTaskIds,
        leases: request.leases,
        condition: { draining: request.draining, healthy: request.healthy, healthDetail: request.healthDetail, diskLow: request.diskLow },
      });
      return { known, revoked };
    },

    async *taskStream(requests, context) {
      const inbound = requests[Symbol.asyncIterator]();
      const first = await inbound.next();
      if (first.done) return;
      if (first.value.event?.$case !== 'hello') {
        throw new ServerError(Status.INVALID_ARGUMENT, 'the first TaskStream message must be hello');
      }
      const { agentId } = first.value.event.hello;
      checkAgentKey(agentId, context);
      // The stream is bound to this worker from here on: every message on it is that worker's.
      checkAgentToken(agentId, context);
      if (broker.shuttingDown) throw new ServerError(Status.UNAVAILABLE, 'the orchestrator is shutting down');
      const session = broker.openSession(agentId);
      if (!session) {
        throw new ServerError(Status.NOT_FOUND, `unknown agent id ${JSON.stringify(agentId)}; register first`);
      }
      void pumpInbound(inbound, session);
      try {
        yield* session.commands(context.signal);
      } finally {
        session.close(context.signal.aborted ? 'the call was cancelled' : 'the orchestrator ended it');
      }
    },
  };
}

/**
 * Feeds the worker's messages to its session, waiting while a client that follows a task is
 * behind (the stream's flow control then holds the worker back); when they stop, the session closes.
 */
async function pumpInbound(inbound: AsyncIterator<WorkerMessage>, session: WorkerSession): Promise<void> {
  let reason = 'the worker closed it';
  try {
    for (let next = await inbound.next(); !next.done; next = await inbound.next()) {
      const behind = session.receive(next.value);
      if (behind) await behind;
    }
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  } finally {
    session.close(reason);
  }
}
