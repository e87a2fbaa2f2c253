import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startMetricsServer } from '../metrics/index.js';
import { WorkerMetrics } from './worker-metrics.js';
import { workerReadiness } from './worker-readiness.js';

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('WorkerMetrics', () => {
  it('counts tasks, durations, container starts, output, reconnects and engine errors', async () => {
    const metrics = new WorkerMetrics({ runningTasks: () => 2, queuedTasks: () => 3 }, { defaultMetrics: false });
    metrics.taskFinished('file_read', { state: 'COMPLETED', cause: 'COMPLETED' });
    metrics.taskFinished('file_read', { state: 'COMPLETED', cause: 'COMPLETED' });
    metrics.taskFinished('grep', { state: 'TIMEOUT', cause: 'TOOL_TIMEOUT' });
    metrics.taskRan('file_read', 1_500);
    metrics.containerStarted(40);
    metrics.output('stdout', 100);
    metrics.output('stdout', 28);
    metrics.output('stderr', 5);
    metrics.reconnect();
    metrics.engineError();
    metrics.engineError();
    metrics.resultDropped('undeliverable');
    metrics.resultDropped('age');
    metrics.resultDropped('age');
    const text = await metrics.text();
    assert.equal(series(text, 'baaaht_worker_tasks_total{tool="file_read",state="COMPLETED",cause="COMPLETED"}'), 2);
    assert.equal(series(text, 'baaaht_worker_tasks_total{tool="grep",state="TIMEOUT",cause="TOOL_TIMEOUT"}'), 1);
    assert.equal(series(text, 'baaaht_worker_task_duration_seconds_sum{tool="file_read"}'), 1.5);
    assert.equal(series(text, 'baaaht_worker_task_duration_seconds_count{tool="file_read"}'), 1);
    assert.equal(series(text, 'baaaht_worker_task_duration_seconds_bucket{le="1",tool="file_read"}'), 0);
    assert.equal(series(text, 'baaaht_worker_task_duration_seconds_bucket{le="2.5",tool="file_read"}'), 1);
    assert.equal(series(text, 'baaaht_worker_container_start_seconds_sum'), 0.04);
    assert.equal(series(text, 'baaaht_worker_container_start_seconds_bucket{le="0.05"}'), 1);
    assert.equal(series(text, 'baaaht_worker_running_tasks'), 2);
    assert.equal(series(text, 'baaaht_worker_queued_tasks'), 3);
    assert.equal(series(text, 'baaaht_worker_output_bytes_total{stream="stdout"}'), 128);
    assert.equal(series(text, 'baaaht_worker_output_bytes_total{stream="stderr"}'), 5);
    assert.equal(series(text, 'baaaht_worker_reconnects_total'), 1);
    assert.equal(series(text, 'baaaht_worker_engine_errors_total'), 2);
    assert.equal(series(text, 'baaaht_worker_results_dropped_total{reason="undeliverable"}'), 1);
    assert.equal(series(text, 'baaaht_worker_results_dropped_total{reason="age"}'), 2);
    assert.match(text, /# TYPE baaaht_worker_tasks_total counter/);
    assert.match(text, /# TYPE baaaht_worker_task_duration_seconds histogram/);
    assert.doesNotMatch(text, /process_cpu/, 'no default metrics when turned off');
  });

  it('reads the warm pool totals at each scrape; 0 without a pool', async () => {
    let totals: { hits: number; misses: number } | undefined;
    const metrics = new WorkerMetrics({ runningTasks: () => 0, queuedTasks: () => 0, warmPool: () => totals }, { defaultMetrics: false });
    let text = await metrics.text();
    assert.equal(series(text, 'baaaht_worker_warm_pool_hits_total'), 0);
    assert.equal(series(text, 'baaaht_worker_warm_pool_misses_total'), 0);
    totals = { hits: 4, misses: 1 };
    text = await metrics.text();
    assert.equal(series(text, 'baaaht_worker_warm_pool_hits_total'), 4);
    assert.equal(series(text, 'baaaht_worker_warm_pool_misses_total'), 1);
    totals = { hits: 6, misses: 1 };
    assert.equal(series(await metrics.text(), 'baaaht_worker_warm_pool_hits_total'), 6);
  });

  it('keeps a registry per worker, with the process metrics on each', async () => {
    const sources = { runningTasks: () => 0, queuedTasks: () => 0 };
    const a = new WorkerMetrics(sources);
    const b = new WorkerMetrics(sources);
    a.reconnect();
    const [textA, textB] = await Promise.all([a.text(), b.text()]);
    assert.equal(series(textA, 'baaaht_worker_reconnects_total'), 1);
    assert.equal(series(textB, 'baaaht_worker_reconnects_total'), 0);
    for (const text of [textA, textB]) {
      assert.match(text, /^process_cpu_user_seconds_total \d/m);
      assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
    }
  });
});

describe('workerReadiness', () => {
  const ready = { state: 'RUNNING', connection: 'READY', engineHealthy: true, engineDetail: '' } as const;
  const cases = [
    { facts: ready, expected: { ready: true } },
    { facts: { ...ready, state: 'DRAINING' }, expected: { ready: false, reason: 'the worker is DRAINING' } },
    { facts: { ...ready, state: 'INITIALIZED', connection: 'IDLE' }, expected: { ready: false, reason: 'the worker is INITIALIZED' } },
    {
      facts: { ...ready, connection: 'TRANSIENT_FAILURE' },
      expected: { ready: false, reason: 'not registered with the orchestrator (connection TRANSIENT_FAILURE)' },
    },
    {
      facts: { ...ready, engineHealthy: false, engineDetail: 'connect ENOENT /var/run/docker.sock' },
      expected: { ready: false, reason: 'Docker engine unavailable: connect ENOENT /var/run/docker.sock' },
    },
  ] as const;
  for (const { facts, expected } of cases) {
    it(`${facts.state}/${facts.connection}/engine ${facts.engineHealthy ? 'up' : 'down'} → ${expected.ready ? 'ready' : 'not ready'}`, () => {
      assert.deepEqual(workerReadiness(facts), expected);
    });
  }
});

describe('startMetricsServer', () => {
  it('serves /healthz, /readyz and /metrics; 404 elsewhere, 405 for other methods', async () => {
    let readiness: { ready: true } | { ready: false; reason: string } = { ready: false, reason: 'not registered' };
    const server = await startMetricsServer({
      address: '127.0.0.1:0',
      metrics: async () => 'baaaht_worker_reconnects_total 0\n',
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      readiness: () => readiness,
    });
    try {
      assert.match(server.address, /^127\.0\.0\.1:\d+$/);
      assert.notEqual(server.address, '127.0.0.1:0');
      const get = async (path: string, method = 'GET') => {
        const response = await fetch(`http://${server.address}${path}`, { method });
        return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
      };
      assert.deepEqual(await get('/healthz'), { status: 200, body: 'ok\n', type: 'text/plain; charset=utf-8' });
      assert.deepEqual(await get('/readyz'), { status: 503, body: 'not ready: not registered\n', type: 'text/plain; charset=utf-8' });
      readiness = { ready: true };
      assert.equal((await get('/readyz')).status, 200);
      assert.deepEqual(await get('/metrics?x=1'), {
        status: 200,
        body: 'baaaht_worker_reconnects_total 0\n',
        type: 'text/plain; version=0.0.4; charset=utf-8',
      });
      assert.equal((await get('/')).status, 404);
      assert.equal((await get('/metrics/x')).status, 404);
      assert.equal((await get('/metrics', 'POST')).status, 405);
      assert.equal((await get('/healthz', 'HEAD')).status, 200);
    } finally {
      await server.close();
    }
  });

  it('refuses an address in use', async () => {
    const first = await startMetricsServer({ address: '127.0.0.1:0', metrics: async () => '', contentType: 'text/plain', readiness: () => ({ ready: true }) });
    try {
      await assert.rejects(
        startMetricsServer({ address: first.address, metrics: async () => '', contentType: 'text/plain', readiness: () => ({ ready: true }) }),
        /EADDRINUSE/,
      );
    } finally {
      await first.close();
    }
  });
});
