import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerError, Status, type CallContext } from 'nice-grpc-common';
import { RunTaskRequest, Task } from '../gen/agent/v1/agent.js';
import type { TaskBroker } from './task-broker.js';
import { createTaskService } from './task-service.js';
import { MAX_NAME_BYTES } from './validate-task.js';

/** A broker that records submissions and knows no task. */
function stubBroker(): { broker: TaskBroker; submitted: Task[] } {
  const submitted: Task[] = [];
  const broker = {
    shuttingDown: false,
    submit(task: Task) {
      submitted.push(task);
      return { taskId: 'stub', events: async function* () {} };
    },
    getTask: () => undefined,
  } as unknown as TaskBroker;
  return { broker, submitted };
}

const context = { signal: new AbortController().signal } as CallContext;
const task = (toolType: string): Task => Task.fromPartial({ toolType, params: { $case: 'custom', custom: { values: {} } } });

async function statusOf(promise: Promise<unknown>): Promise<ServerError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ServerError, `a ServerError, got ${String(error)}`);
  return error;
}

describe('TaskService handlers: requests too malformed to become tasks', () => {
  it('SubmitTask refuses an over-long tool type or worker target with INVALID_ARGUMENT and records nothing', async () => {
    const { broker, submitted } = stubBroker();
    const service = createTaskService(broker);
    for (const request of [
      RunTaskRequest.fromPartial({ task: task('t'.repeat(MAX_NAME_BYTES + 1)) }),
      RunTaskRequest.fromPartial({ task: task('file_read'), worker: 'w'.repeat(2 * 1024 * 1024) }),
    ]) {
      const error = await statusOf(service.submitTask(request, context));
      assert.equal(error.code, Status.INVALID_ARGUMENT);
      assert.match(error.details, /^SubmitTask: (task\.tool_type|worker) is \d+ bytes long/);
      assert.ok(error.details.length < 200);
    }
    assert.deepEqual(submitted, []);
    await service.submitTask(RunTaskRequest.fromPartial({ task: task('t'.repeat(MAX_NAME_BYTES)) }), context);
    assert.equal(submitted.length, 1);
  });

  it('RunTask refuses them before the first event', async () => {
    const { broker, submitted } = stubBroker();
    const events = createTaskService(broker).runTask(RunTaskRequest.fromPartial({ task: task('x'.repeat(10_000)) }), context);
    const error = await statusOf(events[Symbol.asyncIterator]().next());
    assert.equal(error.code, Status.INVALID_ARGUMENT);
    assert.deepEqual(submitted, []);
  });

  it('GetTask of an unknown id answers NOT_FOUND quoting only the start of a long id', async () => {
    const { broker } = stubBroker();
    const error = await statusOf(createTaskService(broker).getTask({ taskId: 'i'.repeat(3 * 1024 * 1024) }, context));
    assert.equal(error.code, Status.NOT_FOUND);
    assert.ok(error.details.length < 200, `${error.details.length} chars`);
  });
});
