import { ServerError, Status, type CallContext } from 'nice-grpc-common';
import { WORKER_KEY_METADATA } from '../rpc/worker-key.js';
import type { WorkerKeys } from './worker-keys.js';
import type { AgentServiceImplementation, WorkerMessage } from '../gen/agent/v1/agent.js';
import type { TaskBroker, WorkerSession } from './task-broker.js';
import { effectiveGroup } from '../placement/placement.js';
import { registrationProblem } from './validate-registration.js';

/** AgentService: converts between the wire and the broker; the broker holds all state. */
export function createAgentService(
  broker: TaskBroker,
  options: { heartbeatIntervalMs: number; workerKeys?: WorkerKeys },
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

  return {
    async register(request, context) {
      if (broker.shuttingDown) throw new ServerError(Status.UNAVAILABLE, 'the orchestrator is shutting down');
      const group = effectiveGroup(request.group);
      const problem = registrationProblem(request);
      if (problem !== undefined) throw new ServerError(Status.INVALID_ARGUMENT, `Register: ${problem}`);
      checkGroupKey(group, context);
      // Resuming another group's registration would move it past its key check.
      if (request.agentId !== '') checkAgentKey(request.agentId, context);
      const { agentId, resumed } = broker.registerWorker(
        {
          name: request.name,
          hostname: request.hostname,
          pid: request.pid,
          version: request.version,
          group,
          labels: request.labels,
          capabilities: request.capabilities ?? { toolTypes: [], maxConcurrentTasks: 0, runtimes: [] },
          bootId: request.bootId,
        },
        request.agentId,
      );
      return { agentId, heartbeatIntervalMs: options.heartbeatIntervalMs, resumed, outputOffsets: true };
    },

    async unregister(request, context) {
      checkAgentKey(request.agentId, context);
      broker.unregisterWorker(request.agentId, request.reason); // unknown ids: nothing to do
      return {};
    },

    async heartbeat(request, context) {
      checkAgentKey(request.agentId, context);
      const known = broker.heartbeat(request.agentId, {
        activeTaskIds: request.activeTaskIds,
        leases: request.leases,
        condition: { draining: request.draining, healthy: request.healthy, healthDetail: request.healthDetail },
      });
      return { known };
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
