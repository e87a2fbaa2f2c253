import { ServerError, Status } from 'nice-grpc-common';
import { quoteValue } from '../errors/quote-value.js';
import type { RunTaskRequest, Task, TaskServiceImplementation } from '../gen/agent/v1/agent.js';
import type { ClientAuthContext } from './client-auth-middleware.js';
import { canAccessTask, listedOwner, type ClientIdentity } from './client-identity.js';
import type { TaskBroker } from './task-broker.js';
import { followTask } from './follow-task.js';
import { checkRequestNames, idempotencyKeyProblem, unsupportedFeature } from './validate-task.js';
import type { Placement } from '../placement/placement.js';

const SHUTTING_DOWN = 'the orchestrator is shutting down';
/** ListTasks: finished tasks listed at most. */
const MAX_RECENT_FINISHED = 100;

/**
 * TaskService: converts between the wire and the broker. Every call comes with its caller
 * (client-auth-middleware.ts): a task is recorded under its submitter, and a client reaches only
 * its own tasks (an admin every one). Another client's task id is answered exactly as an
 * unknown one (NOT_FOUND, found: false), so ids say nothing about other clients' tasks.
 * ListWorkers is the same for every authenticated client.
 */
export function createTaskService(broker: TaskBroker): TaskServiceImplementation<ClientAuthContext> {
  const taskOf = (request: RunTaskRequest, method: string): { task: Task; placement: Placement; idempotencyKey: string } => {
    if (!request.task) throw new ServerError(Status.INVALID_ARGUMENT, `${method}: RunTaskRequest.task is required`);
    const placement: Placement = { worker: request.worker, group: request.group, labels: request.labels };
    const malformed = checkRequestNames(request.task, placement) ?? unsupportedFeature(request.task) ?? idempotencyKeyProblem(request.idempotencyKey);
    if (malformed !== undefined) throw new ServerError(Status.INVALID_ARGUMENT, `${method}: ${malformed}`);
    if (broker.shuttingDown) throw new ServerError(Status.UNAVAILABLE, SHUTTING_DOWN);
    return { task: request.task, placement, idempotencyKey: request.idempotencyKey };
  };
  /** Whether the caller may reach the task: false for unknown ids and other clients' tasks alike. */
  const visible = (client: ClientIdentity, taskId: string): boolean => {
    const owner = broker.ownerOf(taskId);
    return owner !== undefined && canAccessTask(client, owner);
  };

  return {
    async *runTask(request, context) {
      const { task, placement, idempotencyKey } = taskOf(request, 'RunTask');
      const submitted = broker.submit(task, placement, { owner: context.client.owner, idempotencyKey });
      if (submitted.existing === true) {
        // An earlier call's task: followed, never cancelled by this call ending.
        yield* followTask(submitted.taskId, broker, context.signal);
        return;
      }
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

    async submitTask(request, context) {
      const { task, placement, idempotencyKey } = taskOf(request, 'SubmitTask');
      return { taskId: broker.submit(task, placement, { follow: false, owner: context.client.owner, idempotencyKey }).taskId };
    },

    async getTask(request, context) {
      const view = visible(context.client, request.taskId) ? broker.getTask(request.taskId) : undefined;
      if (!view) {
        throw new ServerError(Status.NOT_FOUND, `task ${quoteValue(request.taskId)} is unknown, or its result is no longer retained`);
      }
      return view;
    },

    async cancelTask(request, context) {
      if (!visible(context.client, request.taskId)) return { found: false };
      return { found: broker.cancel(request.taskId, { force: request.force, reason: 'cancelled by a client' }) };
    },

    async listWorkers() {
      return { workers: broker.listWorkers() };
    },

    async listTasks(request, context) {
      return { tasks: broker.listTasks(Math.min(MAX_RECENT_FINISHED, request.recentFinished), listedOwner(context.client)) };
    },
  };
}
