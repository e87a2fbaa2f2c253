// RunTaskRequest.idempotency_key over a real Unix socket: a repeated key of the same client
// returns the task the first call made (SubmitTask its id, RunTask follows it), also after an
// orchestrator restart (the key is in the task store); a malformed key is INVALID_ARGUMENT.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ClientError, Status } from 'nice-grpc';
import { TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { createFakeWorker } from './fake-worker.js';
import { collect, startOrchestrator } from './harness.js';

const invalid = (error: unknown): boolean => error instanceof ClientError && error.code === Status.INVALID_ARGUMENT;

describe('idempotency keys', () => {
  it('a repeated key returns the first task (SubmitTask: its id; RunTask: follows it), also after a restart', async () => {
    const dataDir = await mkdtemp('/tmp/bo-idem-');
    const h = await startOrchestrator({ dataDir: join(dataDir, 'data') });
    try {
      const worker = createFakeWorker(h.channel(), { name: 'idem', toolTypes: ['job'], maxConcurrentTasks: 4 });
      await worker.register();
      await worker.connect();
      const first = await h.tasks.submitTask({ task: { toolType: 'job' }, idempotencyKey: 'order-42' });
      const again = await h.tasks.submitTask({ task: { toolType: 'job' }, idempotencyKey: 'order-42' });
      assert.equal(again.taskId, first.taskId, 'the same task, not a second one');
      const other = await h.tasks.submitTask({ task: { toolType: 'job' }, idempotencyKey: 'order-43' });
      assert.notEqual(other.taskId, first.taskId);
      const unkeyed = [await h.tasks.submitTask({ task: { toolType: 'job' } }), await h.tasks.submitTask({ task: { toolType: 'job' } })];
      assert.notEqual(unkeyed[0]?.taskId, unkeyed[1]?.taskId, 'no key: every call is a new task');

      const assigned = new Set<string>();
      for (let i = 0; i < 4; i++) assigned.add((await worker.nextCommand()).taskId);
      assert.equal(assigned.size, 4, 'four tasks, not five');
      const following = collect(h.tasks.runTask({ task: { toolType: 'job' }, idempotencyKey: 'order-42' }));
      worker.run(first.taskId, { stdout: ['once'] });
      const { result } = await following;
      assert.deepEqual([result.state, result.stdout.toString()], [TaskState.TASK_STATE_COMPLETED, 'once'], 'RunTask followed the first task to its result');

      await h.restart();
      const afterRestart = await h.tasks.submitTask({ task: { toolType: 'job' }, idempotencyKey: 'order-42' });
      assert.equal(afterRestart.taskId, first.taskId, 'the key is stored');
      const rerun = await collect(h.tasks.runTask({ task: { toolType: 'job' }, idempotencyKey: 'order-42' }));
      assert.equal(rerun.result.stdout.toString(), 'once', 'a finished task: its stored result');
    } finally {
      await h.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a key over 128 bytes or with characters that are not printable', async () => {
    const h = await startOrchestrator();
    try {
      await assert.rejects(h.tasks.submitTask({ task: { toolType: 'job' }, idempotencyKey: 'k'.repeat(129) }), invalid);
      await assert.rejects(h.tasks.submitTask({ task: { toolType: 'job' }, idempotencyKey: 'a\nb' }), invalid);
      await assert.rejects(collect(h.tasks.runTask({ task: { toolType: 'job' }, idempotencyKey: 'é' })), invalid);
      assert.ok((await h.tasks.submitTask({ task: { toolType: 'job' }, idempotencyKey: 'k'.repeat(128) })).taskId);
    } finally {
      await h.close();
    }
  });
});
