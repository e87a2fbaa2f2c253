import { ServerError, Status } from 'nice-grpc-common';
import { quoteValue } from '../tools/quote-value.js';
import type { RunTaskRequest, Task, TaskServiceImplementation } from '../gen/agent/v1/agent.js';
import type { TaskBroker } from './task-broker.js';
import { checkRequestNames } from './validate-task.js';
import type { Placement } from '../placement/placement.js';

const SHUTTING_DOWN = 'the orchestrator is shutting down';
/** ListTasks: finished tasks listed at most. */
const MAX_RECENT_FINISHED = 100;

/** TaskService: converts between the wire and the broker. */
export function createTaskService(broker: TaskBroker): TaskServiceImplementation {
  const taskOf = (request: RunTaskRequest, method: string): { task: Task; placement: Placement } => {
    if (!request.task) throw new ServerError(Status.INVALID_ARGUMENT, `${method}: RunTaskRequest.task is required`);
    const placement: Placement = { worker: request.worker, group: request.group, labels: request.labels };
    const malformed = checkRequestNames(request.task, placement);
    if (malformed !== undefined) throw new ServerError(Status.INVALID_ARGUMENT, `${method}: ${malformed}`);
    if (broker.shuttingDown) throw new ServerError(Status.UNAVAILABLE, SHUTTING_DOWN);
    return { task: request.task, placement };
  };

  return {
    async *runTask(request, context) {
      const { task, placement } = taskOf(request, 'RunTask');
      const submitted = broker.submit(task, placement);
      let sawResult = false;
      try {
        for await (const event of submitted.events(context.signal)) {
          if (event.event?.$case === 'result') sawResult = true;
          yield event;
        }
      } catch (error) {
        // The orchestrator stops: the task is kept (GetTask finds it after a restart).
        if (broker.shuttingDown && !context.signal.aborted) {
          throw new ServerError(Status.UNAVAILABLE, `${SHUTTING_DOWN}; task ${submitted.taskId} is kept and goes on when it is back`);
        }
        throw error;
      } finally {
        // The task was this call's: when the client goes away before the result, stop it.
        if (!sawResult && !broker.shuttingDown) {
          broker.cancel(submitted.taskId, { force: false, reason: 'the client that submitted it went away' });
        }
      }
    },

    async submitTask(request) {
      const { task, placement } = taskOf(request, 'SubmitTask');
      return { taskId: broker.submit(task, placement, { follow: false }).taskId };
    },

    async getTask(request) {
      const view = broker.getTask(request.taskId);
      if (!view) {
        throw new ServerError(Status.NOT_FOUND, `task ${quoteValue(request.taskId)} is unknown, or its result is no longer retained`);
      }
      return view;
    },

    async cancelTask(request) {
      return { found: broker.cancel(request.taskId, { force: request.force, reason: 'cancelled by a client' }) };
    },

    async listWorkers() {
      return { workers: broker.listWorkers() };
    },

    async listTasks(request) {
      return { tasks: broker.listTasks(Math.min(MAX_RECENT_FINISHED, request.recentFinished)) };
    },
  };
}
