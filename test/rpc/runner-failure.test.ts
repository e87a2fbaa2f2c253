// A task whose run throws inside the worker (a bug, not a tool failure) is answered FAILED
// INTERNAL (retryable: the orchestrator runs it again while attempts remain), and the worker goes
// on: it is not left holding the lease for ever.
import assert from 'node:assert/strict';
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { Task, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { type TaskExecutor, type WorkerAgent } from '../../pkg/worker/index.js';
import { makeOutcome } from '../../pkg/worker/run-outcome.js';
import { collect, startOrchestrator, waitFor, type Harness, testWorkerAgent } from './harness.js';

describe('a task runner that throws', () => {
  let h: Harness;
  let dir: string;
  let agent: WorkerAgent;
  let calls = 0;
  before(async () => {
    h = await startOrchestrator({ maxAttempts: 2 });
    dir = await mkdtemp('/tmp/brf-');
    const config = loadWorkerConfig({
      argv: ['--orchestrator-addr', h.address, '--name', 'thrower', '--work-dir', dir, '--heartbeat-interval', '200ms'],
      env: TEST_WORKER_ENV,
      homeDir: '/nonexistent',
      hostname: 'h',
    });
    // A fake executor (the agent's only use of it here): a file_read of `boom` throws.
    const executor = {
      activeTaskIds: [] as string[],
      async run(_taskId: string, task: Task) {
        calls += 1;
        if (task.params?.$case === 'fileRead' && task.params.fileRead.path === 'boom') throw new Error('a bug in the executor');
        return makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
      },
      cancel: () => false,
      abort: () => false,
    } as unknown as TaskExecutor;
    agent = testWorkerAgent(config, executor, dir);
    void agent.start().catch(() => undefined);
    await waitFor(() => agent.connectionState === 'READY', 10_000);
  });
  after(async () => {
    await agent.shutdown('test over');
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  const read = (path: string) => Task.fromPartial({ toolType: 'file_read', mountSource: '/tmp', params: { $case: 'fileRead', fileRead: { path } } });

  it('answers FAILED INTERNAL each attempt, without the exception’s text, and frees the slot', { timeout: 20_000 }, async () => {
    const { result } = await collect(h.tasks.runTask({ task: read('boom'), worker: '', group: '', labels: {} }));
    assert.equal(result.state, TaskState.TASK_STATE_FAILED);
    assert.equal(result.error?.code, 'INTERNAL');
    assert.doesNotMatch(result.error?.message ?? '', /a bug in the executor/);
    assert.equal(result.worker, 'thrower');
    assert.equal(result.attempt, 2, 'INTERNAL is retryable: run again once (--max-attempts 2)');
    assert.equal(calls, 2);
    const { workers } = await h.tasks.listWorkers({});
    assert.deepEqual(workers[0]?.activeTaskIds, []);
  });

  it('the worker goes on: the next task completes', { timeout: 20_000 }, async () => {
    const { result } = await collect(h.tasks.runTask({ task: read('fine'), worker: '', group: '', labels: {} }));
    assert.equal(result.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(calls, 3);
  });
});
