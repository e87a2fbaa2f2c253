import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerError, Status, type CallContext } from 'nice-grpc-common';
import { RunTaskRequest, Task } from '../gen/agent/v1/agent.js';
import type { TaskBroker } from './task-broker.js';
import { createTaskService } from './task-service.js';
import { LOCAL_ADMIN, type ClientAuthContext } from './client-auth-middleware.js';
import type { ClientIdentity } from './client-identity.js';
import { NO_OWNER } from './task-store.js';
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
    ownerOf: () => undefined,
  } as unknown as TaskBroker;
  return { broker, submitted };
}

const context: CallContext & ClientAuthContext = { ...({ signal: new AbortController().signal } as CallContext), client: LOCAL_ADMIN };
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

describe('TaskService handlers: a client reaches only its own tasks', () => {
  const alice: ClientIdentity = { owner: 'token:alice', role: 'client' };
  const bob: ClientIdentity = { owner: 'token:bob', role: 'client' };
  const admin: ClientIdentity = { owner: 'token:root', role: 'admin' };
  const as = (client: ClientIdentity): CallContext & ClientAuthContext => ({ ...context, client });

  /** A broker holding one task of alice's ('a1') and one stored before owners were recorded ('old'). */
  function ownedBroker() {
    const owners = new Map([['a1', 'token:alice'], ['old', NO_OWNER]]);
    const calls: { submitOwners: (string | undefined)[]; cancelled: string[]; listed: (string | undefined)[] } = { submitOwners: [], cancelled: [], listed: [] };
    const broker = {
      shuttingDown: false,
      submit(_task: Task, _placement: unknown, options: { owner?: string }) {
        calls.submitOwners.push(options.owner);
        return { taskId: 'new', events: async function* () {} };
      },
      ownerOf: (taskId: string) => owners.get(taskId),
      getTask: (taskId: string) => (owners.has(taskId) ? { taskId, state: 1, result: undefined, worker: '', attempt: 0, toolType: 'file_read' } : undefined),
      cancel(taskId: string) {
        calls.cancelled.push(taskId);
        return owners.has(taskId);
      },
      listTasks(_n: number, owner?: string) {
        calls.listed.push(owner);
        return [];
      },
    } as unknown as TaskBroker;
    return { service: createTaskService(broker), calls };
  }

  it('GetTask answers another client\'s task exactly as an unknown id: NOT_FOUND, the same message', async () => {
    const { service } = ownedBroker();
    assert.equal((await service.getTask({ taskId: 'a1' }, as(alice))).taskId, 'a1');
    const other = await statusOf(service.getTask({ taskId: 'a1' }, as(bob)));
    const unknown = await statusOf(service.getTask({ taskId: 'zz' }, as(bob)));
    assert.equal(other.code, Status.NOT_FOUND);
    assert.equal(other.details.replace('a1', 'ID'), unknown.details.replace('zz', 'ID'));
    assert.equal((await service.getTask({ taskId: 'a1' }, as(admin))).taskId, 'a1');
  });

  it('tasks owned by nobody (stored before owners) are for admins only', async () => {
    const { service } = ownedBroker();
    assert.equal((await statusOf(service.getTask({ taskId: 'old' }, as(alice)))).code, Status.NOT_FOUND);
    assert.equal((await service.getTask({ taskId: 'old' }, as(admin))).taskId, 'old');
  });

  it('CancelTask of another client\'s task answers found: false and cancels nothing', async () => {
    const { service, calls } = ownedBroker();
    assert.deepEqual(await service.cancelTask({ taskId: 'a1', force: true }, as(bob)), { found: false });
    assert.deepEqual(calls.cancelled, []);
    assert.deepEqual(await service.cancelTask({ taskId: 'a1', force: false }, as(alice)), { found: true });
    assert.deepEqual(calls.cancelled, ['a1']);
  });

  it('records the submitter as the owner, and ListTasks lists a client\'s own tasks (an admin\'s: all)', async () => {
    const { service, calls } = ownedBroker();
    await service.submitTask(RunTaskRequest.fromPartial({ task: task('file_read') }), as(alice));
    await service.listTasks({ recentFinished: 10 }, as(bob));
    await service.listTasks({ recentFinished: 10 }, as(admin));
    assert.deepEqual(calls.submitOwners, ['token:alice']);
    assert.deepEqual(calls.listed, ['token:bob', undefined]);
  });
});
