// #12 §2, [O11]: Task.session_id is reserved for sessions, which this version does not have. The
// orchestrator refuses RunTask and SubmitTask of a task that sets it with INVALID_ARGUMENT before
// anything is recorded or queued: no worker ever hears of it. Before, it was queued and run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientError, Status } from 'nice-grpc';
import { Task, TaskState, type TaskEvent } from '../../pkg/gen/agent/v1/agent.js';
import { createFakeWorker, type FakeWorker } from './fake-worker.js';
import { collect, startOrchestrator, type Harness } from './harness.js';

const job = (sessionId = '') => Task.fromPartial({ toolType: 'job', sessionId, params: { $case: 'custom', custom: { values: {} } } });

async function drain(events: AsyncIterable<TaskEvent>): Promise<void> {
  for await (const event of events) void event;
}

function refusedAs(method: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ClientError, String(error));
    assert.equal(error.code, Status.INVALID_ARGUMENT);
    assert.equal(error.details, `${method}: sessions are not supported yet (Task.session_id)`);
    return true;
  };
}

describe('a task with a session_id', () => {
  let h: Harness;
  let worker: FakeWorker;
  before(async () => {
    h = await startOrchestrator();
    worker = createFakeWorker(h.channel(), { name: 'sessions', toolTypes: ['job'], script: () => ({ stdout: ['ran'] }) });
    await worker.register({ protocolVersion: 2 });
    await worker.connect();
  });
  after(async () => {
    await h.close();
  });

  it('is refused INVALID_ARGUMENT by RunTask and SubmitTask; nothing is recorded, queued or sent', async () => {
    await assert.rejects(drain(h.tasks.runTask({ task: job('session-1') })), refusedAs('RunTask'));
    await assert.rejects(h.tasks.submitTask({ task: job('session-1') }), refusedAs('SubmitTask'));
    assert.deepEqual((await h.tasks.listTasks({ recentFinished: 100 })).tasks, []);
    assert.deepEqual(worker.pendingCommands(), []);

    const { result } = await collect(h.tasks.runTask({ task: job() }));
    assert.deepEqual([result.state, result.stdout.toString()], [TaskState.TASK_STATE_COMPLETED, 'ran'], 'the same task without a session runs');
    assert.equal((await h.tasks.listTasks({ recentFinished: 100 })).tasks.length, 1);
  });
});
