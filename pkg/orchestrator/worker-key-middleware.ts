import { ServerError, Status, type CallContext, type ServerMiddlewareCall } from 'nice-grpc-common';
import { WORKER_KEY_METADATA } from '../rpc/worker-key.js';
import type { WorkerKeys } from './worker-keys.js';

const AGENT_SERVICE_PREFIX = '/agent.v1.AgentService/';

/**
 * With worker keys configured, every AgentService call must carry one of them as call metadata
 * (`x-baaaht-worker-key`); other calls get UNAUTHENTICATED before any handler runs. Whether it
 * is the key of the worker's own group is the AgentService's check. TaskService and the health
 * service are not affected.
 */
export function createWorkerKeyMiddleware(keys: WorkerKeys) {
  return async function* workerKeyMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response>,
    context: CallContext,
  ): AsyncGenerator<Response, Response | void, undefined> {
    if (keys.required && call.method.path.startsWith(AGENT_SERVICE_PREFIX)) {
      if (!keys.isKnown(context.metadata.get(WORKER_KEY_METADATA))) {
        throw new ServerError(Status.UNAUTHENTICATED, 'this orchestrator requires a valid worker key (--worker-key)');
      }
    }
    return yield* call.next(call.request, context);
  };
}
