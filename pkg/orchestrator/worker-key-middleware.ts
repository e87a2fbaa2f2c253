import { ServerError, Status, type CallContext, type ServerMiddlewareCall } from 'nice-grpc-common';
import { WORKER_KEY_METADATA, workerKeyMatches } from '../rpc/worker-key.js';

const AGENT_SERVICE_PREFIX = '/agent.v1.AgentService/';

/**
 * With a worker key configured, every AgentService call must carry it as call metadata
 * (`x-baaaht-worker-key`); other calls get UNAUTHENTICATED before any handler runs. The client
 * TaskService is not affected.
 */
export function createWorkerKeyMiddleware(workerKey: string | undefined) {
  return async function* workerKeyMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response>,
    context: CallContext,
  ): AsyncGenerator<Response, Response | void, undefined> {
    if (workerKey !== undefined && call.method.path.startsWith(AGENT_SERVICE_PREFIX)) {
      if (!workerKeyMatches(workerKey, context.metadata.get(WORKER_KEY_METADATA))) {
        throw new ServerError(Status.UNAUTHENTICATED, 'this orchestrator requires a valid worker key (--worker-key)');
      }
    }
    return yield* call.next(call.request, context);
  };
}
