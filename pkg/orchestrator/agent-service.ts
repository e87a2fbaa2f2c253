import { ServerError, Status } from 'nice-grpc-common';
import type { AgentServiceImplementation, WorkerMessage } from '../gen/agent/v1/agent.js';
import type { TaskBroker, WorkerSession } from './task-broker.js';
import { effectiveGroup } from '../placement/placement.js';
import { groupNameProblem, labelsProblem } from '../placement/label-rules.js';

/** AgentService: converts between the wire and the broker; the broker holds all state. */
export function createAgentService(broker: TaskBroker, options: { heartbeatIntervalMs: number }): AgentServiceImplementation {
  return {
    async register(request) {
      if (broker.shuttingDown) throw new ServerError(Status.UNAVAILABLE, 'the orchestrator is shutting down');
      const problem = groupNameProblem(effectiveGroup(request.group)) ?? labelsProblem(request.labels);
      if (problem !== undefined) throw new ServerError(Status.INVALID_ARGUMENT, `Register: ${problem}`);
      const { agentId, resumed } = broker.registerWorker(
        {
          name: request.name,
          hostname: request.hostname,
          pid: request.pid,
          version: request.version,
          group: effectiveGroup(request.group),
          labels: request.labels,
          capabilities: request.capabilities ?? { toolTypes: [], maxConcurrentTasks: 0, runtimes: [] },
          bootId: request.bootId,
        },
        request.agentId,
      );
      return { agentId, heartbeatIntervalMs: options.heartbeatIntervalMs, resumed, outputOffsets: true };
    },

    async unregister(request) {
      broker.unregisterWorker(request.agentId, request.reason); // unknown ids: nothing to do
      return {};
    },

    async heartbeat(request) {
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
