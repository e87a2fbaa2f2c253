// The worker heartbeats at the orchestrator's RegisterResponse.heartbeat_interval_ms when that is
// shorter than its own --heartbeat-interval (#12 §1). Before, a default worker (30 s) against an
// orchestrator with a short --worker-timeout was dropped between beats, and a task that ran past
// the timeout was lost (FAILED WORKER_LOST, or run again) although the worker completed it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { TaskState, type Task } from '../../pkg/gen/agent/v1/agent.js';
import { type TaskExecutor, type WorkerAgent } from '../../pkg/worker/index.js';
import { makeOutcome, type RunOutcome } from '../../pkg/worker/run-outcome.js';
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import { collect, startOrchestrator, waitFor, type Harness, testWorkerAgent } from './harness.js';

const WORKER_TIMEOUT_MS = 1500;

/** A fake executor (the agent's link is under test, not containers): tasks run until released. */
function gatedExecutor() {
  const gates = new Map<string, () => void>();
  const executor = {
    get activeTaskIds() {
      return [...gates.keys()];
    },
    async run(taskId: string): Promise<RunOutcome> {
      await new Promise<void>((resolve) => gates.set(taskId, resolve));
      gates.delete(taskId);
      return makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
    },
    cancel: () => false,
    abort: () => false,
  };
  return {
    executor: executor as unknown as TaskExecutor,
    running: (taskId: string) => gates.has(taskId),
    releaseAll() {
      for (const gate of gates.values()) gate();
    },
    release(taskId: string) {
      const gate = gates.get(taskId);
      if (!gate) throw new Error(`task ${taskId} is not running`);
      gate();
    },
  };
}

describe('a worker whose own heartbeat interval is longer than the orchestrator’s timeout', () => {
  let h: Harness;
  let dir: string;
  let agent: WorkerAgent;
  const gated = gatedExecutor();
  before(async () => {
    dir = await mkdtemp('/tmp/bhi-');
    h = await startOrchestrator({ workerTimeoutMs: WORKER_TIMEOUT_MS });
    const config = loadWorkerConfig({
      argv: ['--orchestrator-addr', h.address, '--name', 'slow-beater', '--work-dir', join(dir, 'work'), '--heartbeat-interval', '30s'],
      env: TEST_WORKER_ENV,
      homeDir: '/nonexistent',
      hostname: 'h',
    });
    assert.equal(config.heartbeatIntervalMs, 30_000);
    agent = testWorkerAgent(config, gated.executor, dir);
    void agent.start().catch(() => undefined);
    await waitFor(() => agent.connectionState === 'READY', 10_000);
  });
  after(async () => {
    gated.releaseAll(); // a failed run leaves its task gated; shutdown waits for running tasks
    await agent.shutdown('test over');
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  const read = (path: string): Task => ({ toolType: 'file_read', mountSource: '/tmp', writable: false, timeoutMs: 0, sessionId: '', params: { $case: 'fileRead', fileRead: { path } } });
  const worker = async () => (await h.tasks.listWorkers({})).workers.find((w) => w.name === 'slow-beater');

  it('beats at the orchestrator’s interval: a task running past the timeout completes, and the worker stays registered', { timeout: 30_000 }, async () => {
    const agentId = agent.agentId;
    assert.ok(agentId);
    const run = collect(h.tasks.runTask({ task: read('long'), worker: '', group: '', labels: {} }));
    const taskId = await waitFor(async () => (await worker())?.activeTaskIds[0], 10_000);
    await waitFor(() => gated.running(taskId));

    // Let the task run through more than two worker timeouts, and the orchestrator see at least
    // four heartbeats meanwhile (with the worker's own 30 s interval it would see one). All along,
    // the worker stays registered under the same agent id, holding the task.
    const started = Date.now();
    const beats = new Set<number>();
    await waitFor(async () => {
      const info = await worker();
      assert.deepEqual(
        [info?.agentId, info?.connected, info?.activeTaskIds],
        [agentId, true, [taskId]],
        'the worker is still registered, connected, and holds the task',
      );
      beats.add(Number(info?.lastHeartbeatMs));
      return beats.size >= 4 && Date.now() - started > 2 * WORKER_TIMEOUT_MS;
    }, 20_000);

    gated.release(taskId);
    const { result } = await run;
    assert.deepEqual(
      [result.state, result.error?.code, result.worker, result.attempt],
      [TaskState.TASK_STATE_COMPLETED, undefined, 'slow-beater', 1],
      'completed on its first attempt, not lost',
    );
    assert.equal(agent.agentId, agentId, 'never dropped and registered anew');
    assert.equal((await worker())?.agentId, agentId);
  });
});
