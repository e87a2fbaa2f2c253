import { createClient, type Channel, type Metadata } from 'nice-grpc';
import { ClientError, Status } from 'nice-grpc-common';
import { TaskServiceDefinition, type TaskServiceClient } from '../gen/agent/v1/agent.js';
import type { OrchestratorDialer } from './create-orchestrator-dialer.js';

/**
 * A TaskService client (for the CLI) that asks `dialer` for its channel before every call, so
 * that a Unix socket's owner is checked before each request goes out and a restarted
 * orchestrator's new socket is found (and checked) too. A socket that cannot be opened or is not
 * trusted fails the call as UNAVAILABLE with the reason, like any unreachable orchestrator.
 * `metadata` (e.g. the client token) goes with every call, so only after that check.
 */
export function createDialingTaskClient(dialer: OrchestratorDialer, metadata?: Metadata): TaskServiceClient {
  let made: { readonly channel: Channel; readonly client: TaskServiceClient } | undefined;
  const current = (): TaskServiceClient => {
    let channel: Channel;
    try {
      channel = dialer.refresh();
    } catch (error) {
      throw new ClientError('/agent.v1.TaskService', Status.UNAVAILABLE, error instanceof Error ? error.message : String(error));
    }
    if (made?.channel !== channel) made = { channel, client: createClient(TaskServiceDefinition, channel, metadata === undefined ? {} : { '*': { metadata } }) };
    return made.client;
  };
  return {
    runTask: (request, options) => current().runTask(request, options),
    submitTask: (request, options) => current().submitTask(request, options),
    getTask: (request, options) => current().getTask(request, options),
    cancelTask: (request, options) => current().cancelTask(request, options),
    listWorkers: (request, options) => current().listWorkers(request, options),
    listTasks: (request, options) => current().listTasks(request, options),
  };
}
