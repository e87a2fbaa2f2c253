// The real worker's /healthz, /readyz and /metrics (--metrics-addr) while it runs a real task
// through the orchestrator, and after the orchestrator goes away.
import assert from 'node:assert/strict';
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { Task, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createWorker, type WorkerParts } from '../../pkg/worker/index.js';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { collect, silentLogger, startOrchestrator, waitFor, type Harness } from '../rpc/harness.js';

describe('metrics server of a real worker (--metrics-addr)', () => {
  let h: Harness;
  let dir: string;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let worker: WorkerParts;
  let base: string;

  before(async () => {
    h = await startOrchestrator();
    dir = await mkdtemp(join(tmpdir(), 'baaaht-metrics-'));
    ws = await makeWorkspace({ 'hello.txt': 'hello metrics\n' });
    const config = loadWorkerConfig({
      argv: [
        '--orchestrator-addr', h.address,
        '--name', 'metrics-worker',
        '--work-dir', dir,
        '--metrics-addr', '127.0.0.1:0',
        '--heartbeat-interval', '1s',
        '--reconnect-interval', '100ms',
        '--reconnect-max-interval', '200ms',
      ],
      env: TEST_WORKER_ENV,
      homeDir: '/nonexistent',
      hostname: 'm',
    });
    worker = await createWorker(config, silentLogger(), { tools: createBuiltinToolRegistry(config.tools), version: 't', hostname: 'm' });
    assert.ok(worker.metricsServer, 'the server is up once the worker is created');
    base = `http://${worker.metricsServer.address}`;
  });

  after(async () => {
    await worker?.agent.shutdown('tests done');
    await h?.close();
    await ws?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (path: string): Promise<{ status: number; body: string }> => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: await response.text() };
  };

  it('is healthy but not ready before the worker registers', async () => {
    assert.deepEqual(await get('/healthz'), { status: 200, body: 'ok\n' });
    assert.deepEqual(await get('/readyz'), { status: 503, body: 'not ready: the worker is INITIALIZED\n' });
  });

  it('is ready once registered, and counts a real file_read task', async () => {
    await worker.agent.start();
    await waitFor(async () => (await get('/readyz')).status === 200, 10_000);
    const r = await collect(
      h.tasks.runTask({ task: Task.fromPartial({ toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead', fileRead: { path: 'hello.txt' } } }) }),
    );
    assert.equal(r.result.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(r.stdout, 'hello metrics\n');
    const { status, body } = await get('/metrics');
    assert.equal(status, 200);
    assert.match(body, /^baaaht_worker_tasks_total\{tool="file_read",state="COMPLETED",cause="COMPLETED"\} 1$/m);
    assert.match(body, /^baaaht_worker_task_duration_seconds_count\{tool="file_read"\} 1$/m);
    assert.match(body, /^baaaht_worker_container_start_seconds_count 1$/m);
    assert.match(body, /^baaaht_worker_output_bytes_total\{stream="stdout"\} 14$/m);
    assert.match(body, /^baaaht_worker_running_tasks 0$/m);
    assert.match(body, /^baaaht_worker_queued_tasks 0$/m);
    assert.match(body, /^baaaht_worker_reconnects_total 0$/m);
    assert.match(body, /^baaaht_worker_engine_errors_total 0$/m);
    assert.match(body, /^baaaht_worker_warm_pool_hits_total 0$/m);
    assert.match(body, /^process_cpu_user_seconds_total \d/m);
    assert.match(body, /^process_resident_memory_bytes \d/m);
  });

  it('is not ready once the orchestrator is gone, still healthy, and counts the reconnects', async () => {
    await h.orchestrator.close();
    const notReady = await waitFor(async () => {
      const r = await get('/readyz');
      return r.status === 503 ? r.body : undefined;
    }, 10_000);
    assert.match(notReady, /^not ready: not registered with the orchestrator \(connection [A-Z_]+\)\n$/);
    assert.equal((await get('/healthz')).status, 200);
    await waitFor(async () => {
      const reconnects = /^baaaht_worker_reconnects_total (\d+)$/m.exec((await get('/metrics')).body);
      return Number(reconnects?.[1]) >= 1;
    }, 10_000);
  });

  it('stops serving when the worker stops', async () => {
    await worker.agent.shutdown('test over');
    await assert.rejects(fetch(`${base}/healthz`));
  });
});
