// The orchestrator's data dir full (a real 2 MiB tmpfs, filled after it started): a result it
// cannot store is not acknowledged (the worker keeps it), the task stays in memory (GetTask
// never says NOT_FOUND), readiness turns false with the reason, and once space is back the
// result is stored and acknowledged without anyone resending it. Needs root (mount).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'nice-grpc';
import { HealthDefinition } from 'nice-grpc-server-health';
import { TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { createFakeWorker, type FakeWorker } from '../rpc/fake-worker.js';
import { startOrchestrator, waitFor, type Harness } from '../rpc/harness.js';

/** grpc.health.v1 HealthCheckResponse.ServingStatus. */
const SERVING = 1;
const NOT_SERVING = 2;

function tryMountTmpfs(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Fills the file system of `dir` with `file` (dd stops at ENOSPC). */
function fill(file: string): void {
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=16k'], { stdio: 'ignore' });
  } catch {
    // dd exits non-zero when the disk is full: that is the point.
  }
}

async function readyz(base: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, body: await response.text() };
}

describe('orchestrator data dir full (real tmpfs)', () => {
  let dir = '';
  let mounted = false;
  before(async () => {
    dir = await mkdtemp('/tmp/bo-full-');
    mounted = tryMountTmpfs(dir);
  });
  after(async () => {
    if (mounted) execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    await rmdir(dir).catch(() => undefined);
  });

  it('does not acknowledge a result it cannot store, keeps the task, is not ready, and recovers when space returns', async (t) => {
    if (!mounted) {
      t.skip('cannot mount a tmpfs (not root?)');
      return;
    }
    const h: Harness = await startOrchestrator({ dataDir: join(dir, 'data'), metricsAddr: '127.0.0.1:0', workerTimeoutMs: 3_000 });
    let worker: FakeWorker | undefined;
    const filler = join(dir, 'filler');
    try {
      const base = `http://${h.orchestrator.metricsAddress ?? ''}`;
      const health = createClient(HealthDefinition, h.channel());
      worker = createFakeWorker(h.channel(), { name: 'full', toolTypes: ['job'] });
      await worker.register();
      await worker.connect();
      worker.startHeartbeats(200);
      const { taskId } = await h.tasks.submitTask({ task: { toolType: 'job' } });
      assert.equal((await worker.nextCommand()).command?.$case, 'assign');
      assert.equal((await readyz(base)).status, 200);

      fill(filler);
      // Enough output that storing the result must grow the database.
      worker.run(taskId, { stdout: ['x'.repeat(256 * 1024)] });
      await assert.rejects(worker.nextAck(1500), /ack/, 'no ack for a result that is not stored');
      const during = await h.tasks.getTask({ taskId });
      assert.equal(during.state, TaskState.TASK_STATE_RUNNING, 'the task is kept in memory, not NOT_FOUND');
      const notReady = await readyz(base);
      assert.equal(notReady.status, 503);
      assert.match(notReady.body, /store|disk|full/i);
      assert.equal((await health.check({ service: '' })).status, NOT_SERVING);

      await rm(filler);
      assert.deepEqual(await worker.nextAck(10_000), { taskId, leaseEpoch: 1, accepted: true }, 'stored and acknowledged once space is back');
      const stored = await h.tasks.getTask({ taskId });
      assert.equal(stored.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(stored.result?.stdout.length, 256 * 1024);
      await waitFor(async () => ((await readyz(base)).status === 200 ? true : undefined));
      assert.equal((await health.check({ service: '' })).status, SERVING);
    } finally {
      worker?.stopHeartbeats();
      await rm(filler, { force: true });
      await h.close();
    }
  });
});
