import { ServerError, Status } from 'nice-grpc-common';
import type { TaskServiceImplementation } from '../gen/agent/v1/agent.js';
import type { TaskBroker } from './task-broker.js';

/** TaskService: converts between the wire and the broker. */
export function createTaskService(broker: TaskBroker): TaskServiceImplementation {
  return {
    async *runTask(request, context) {
      if (!request.task) throw new ServerError(Status.INVALID_ARGUMENT, 'RunTaskRequest.task is required');
      const submitted = broker.submit(request.task, request.worker);
      let sawResult = false;
      try {
        for await (const event of submitted.events(context.signal)) {
          if (event.event?.$case === 'result') sawResult = true;
          yield event;
        }
      } finally {
        // The task was this call's: when the client goes away before the result, stop it.
        if (!sawResult) broker.cancel(submitted.taskId, { force: false, reason: 'the client that submitted it went away' });
      }
    },

    async cancelTask(request) {
      return { found: broker.cancel(request.taskId, { force: request.force, reason: 'cancelled by a client' }) };
    },

    async listWorkers() {
      return { workers: broker.listWorkers() };
    },
  };
}
