import { setTimeout as sleep } from 'node:timers/promises';
import { ServerError, Status } from 'nice-grpc-common';
import type { TaskEvent } from '../gen/agent/v1/agent.js';
import type { TaskView } from './broker-views.js';

/** How often a task followed by GetTask is looked at. */
export const FOLLOW_POLL_MS = 100;

/**
 * RunTask of an idempotency key seen before follows the task the first call made, which has no
 * subscriber for this call: `submitted`, then its `result` once it has one (looked up every
 * FOLLOW_POLL_MS; no live output). Ends with the call's signal; UNAVAILABLE when the orchestrator
 * shuts down (the task is kept), NOT_FOUND when the task is no longer retained.
 */
export async function* followTask(
  taskId: string,
  lookup: { getTask(taskId: string): TaskView | undefined; readonly shuttingDown: boolean },
  signal: AbortSignal,
): AsyncGenerator<TaskEvent, void, undefined> {
  let view = lookup.getTask(taskId);
  yield { taskId, event: { $case: 'submitted', submitted: { worker: view?.worker ?? '' } } };
  for (;;) {
    if (view === undefined) throw new ServerError(Status.NOT_FOUND, `task ${taskId} is no longer retained`);
    if (view.result !== undefined) {
      yield { taskId, event: { $case: 'result', result: view.result } };
      return;
    }
    if (lookup.shuttingDown) throw new ServerError(Status.UNAVAILABLE, `the orchestrator is shutting down; task ${taskId} is kept and goes on when it is back`);
    await sleep(FOLLOW_POLL_MS, undefined, { signal });
    view = lookup.getTask(taskId);
  }
}
