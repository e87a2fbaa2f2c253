// The orchestrator's gRPC health service (grpc.health.v1.Health) on its listener, and the
// /healthz, /readyz and Prometheus /metrics of --metrics-addr, with real servers and clients.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientError, createClient, Metadata, Status, type Channel } from 'nice-grpc';
import { HealthDefinition } from 'nice-grpc-server-health';
import { AgentServiceDefinition, Task, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { createOrchestrator } from '../../pkg/orchestrator/index.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { WORKER_KEY_METADATA } from '../../pkg/rpc/worker-key.js';
import { startBin, waitUntil, type Proc } from '../support/processes.js';
import { createFakeWorker } from './fake-worker.js';
import { collect, MiB, silentLogger, startOrchestrator, tempSocketDir, testConfig, type Harness } from './harness.js';

/** HealthCheckResponse.ServingStatus (grpc/health/v1/health.proto). */
const SERVING = 1;
const NOT_SERVING = 2;
const SERVICE_NAMES = ['', 'agent.v1.AgentService', 'agent.v1.TaskService'];
const KEY = 'health needs no key, workers do';

const fileRead = Task.fromPartial({ toolType: 'file_read', mountSource: '/tmp', params: { $case: 'fileRead', fileRead: { path: 'a.txt' } } });

async function get(base: string, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function statuses(channel: Channel): Promise<number[]> {
  const health = createClient(HealthDefinition, channel);
  return Promise.all(SERVICE_NAMES.map(async (service) => (await health.check({ service })).status));
}

describe('gRPC health service with a worker key', () => {
  let h: Harness;
  before(async () => {
    h = await startOrchestrator({ workerKey: KEY });
  });
  after(async () => {
    await h.close();
  });

  it('says SERVING for the server and both services without any key, while workers need theirs', async () => {
    assert.deepEqual(await statuses(h.channel()), [SERVING, SERVING, SERVING]);
    const register = createClient(AgentServiceDefinition, h.channel()).register({ name: 'no-key', hostname: 'h', agentId: '', bootId: 'b' });
    await assert.rejects(register, (error: unknown) => error instanceof ClientError && error.code === Status.UNAUTHENTICATED);
  });

  it('answers NOT_FOUND for a service it does not serve', async () => {
    await assert.rejects(
      createClient(HealthDefinition, h.channel()).check({ service: 'agent.v1.NoSuchService' }),
      (error: unknown) => error instanceof ClientError && error.code === Status.NOT_FOUND,
    );
  });
});

describe('gRPC health service on a TCP listener', () => {
  it('says SERVING there too', async () => {
    const o = createOrchestrator(testConfig('127.0.0.1:0', { insecure: true }), silentLogger(), { closeGraceMs: 1000 });
    await o.listen();
    const channel = createGrpcChannel(o.address, { insecure: true, maxRecvMsgSize: MiB, maxSendMsgSize: MiB });
    try {
      assert.match(o.address, /^127\.0\.0\.1:\d+$/);
      assert.deepEqual(await statuses(channel), [SERVING, SERVING, SERVING]);
      assert.equal(o.metricsAddress, undefined, 'no metrics server unless asked for');
    } finally {
      channel.close();
      await o.close();
    }
  });
});

describe('metrics server of the orchestrator (metricsAddr), and health at shutdown', () => {
  let h: Harness;
  let base: string;
  before(async () => {
    h = await startOrchestrator({ metricsAddr: '127.0.0.1:0' }, { closeGraceMs: 1500 });
    const address = h.orchestrator.metricsAddress;
    assert.ok(address, 'the metrics server runs once listening');
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(address, '127.0.0.1:0');
    base = `http://${address}`;
  });
  after(async () => {
    await h.close();
  });

  it('is healthy and ready while listening', async () => {
    assert.deepEqual(await get(base, '/healthz'), { status: 200, body: 'ok\n', type: 'text/plain; charset=utf-8' });
    assert.deepEqual(await get(base, '/readyz'), { status: 200, body: 'ready\n', type: 'text/plain; charset=utf-8' });
    assert.equal((await get(base, '/nope')).status, 404);
  });

  it('counts a task refused for want of a worker, and one a worker completed, with their labels', async () => {
    const refused = await collect(h.tasks.runTask({ task: fileRead }));
    assert.equal(refused.result.cause, 'NO_WORKER');

    const worker = createFakeWorker(h.channel(), { name: 'gpu-1', toolTypes: ['file_read'], script: () => ({ stdout: ['hi\n'] }) });
    await worker.register({ group: 'gpu' });
    await worker.connect();
    const done = await collect(h.tasks.runTask({ task: fileRead }));
    assert.equal(done.result.state, TaskState.TASK_STATE_COMPLETED);
    await h.tasks.submitTask({ task: Task.fromPartial({ toolType: `hostile-${'z'.repeat(240)}`, params: { $case: 'custom', custom: { values: {} } } }) });

    const { status, body, type } = await get(base, '/metrics');
    assert.equal(status, 200);
    assert.match(type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(series(body, 'baaaht_orchestrator_tasks_submitted_total{tool="file_read"}'), 2);
    assert.equal(series(body, 'baaaht_orchestrator_tasks_finished_total{tool="file_read",state="FAILED",cause="NO_WORKER"}'), 1);
    assert.equal(series(body, 'baaaht_orchestrator_tasks_finished_total{tool="file_read",state="COMPLETED",cause="COMPLETED"}'), 1);
    assert.equal(series(body, 'baaaht_orchestrator_task_duration_seconds_count{tool="file_read"}'), 2);
    assert.equal(series(body, 'baaaht_orchestrator_queue_wait_seconds_count{tool="file_read"}'), 1);
    assert.equal(series(body, 'baaaht_orchestrator_tasks_submitted_total{tool="other"}'), 1);
    assert.equal(series(body, 'baaaht_orchestrator_tasks_finished_total{tool="other",state="FAILED",cause="UNKNOWN_TOOL"}'), 1);
    assert.doesNotMatch(body, /zzzz/, 'a client’s tool type is no label');
    assert.equal(series(body, 'baaaht_orchestrator_worker_registrations_total{group="gpu",resumed="false"}'), 1);
    assert.equal(series(body, 'baaaht_orchestrator_registered_workers{group="gpu"}'), 1);
    assert.equal(series(body, 'baaaht_orchestrator_connected_workers{group="gpu"}'), 1);
    assert.equal(series(body, 'baaaht_orchestrator_queued_tasks'), 0);
    assert.equal(series(body, 'baaaht_orchestrator_leased_tasks'), 0);
    assert.match(body, /^process_resident_memory_bytes \d/m);

    await worker.client.unregister({ agentId: worker.agentId, reason: 'done' });
    const after = (await get(base, '/metrics')).body;
    assert.equal(series(after, 'baaaht_orchestrator_worker_removals_total{group="gpu",reason="unregistered"}'), 1);
    assert.equal(series(after, 'baaaht_orchestrator_registered_workers{group="gpu"}'), undefined);
  });

  it('fails listen() when the metrics address is taken, and binds no socket', async () => {
    const dir = await tempSocketDir();
    const socket = join(dir, 'o.sock');
    const o = createOrchestrator(testConfig(`unix://${socket}`, { metricsAddr: h.orchestrator.metricsAddress! }), silentLogger());
    try {
      await assert.rejects(o.listen(), /EADDRINUSE/);
      assert.equal(existsSync(socket), false);
      assert.equal(o.metricsAddress, undefined);
    } finally {
      await o.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says NOT_SERVING to watchers and 503 on /readyz once close() begins, then stops serving', async () => {
    const channel = h.channel();
    const health = createClient(HealthDefinition, channel);
    const watch = health.watch({ service: '' })[Symbol.asyncIterator]();
    assert.equal((await watch.next()).value?.status, SERVING);

    // A call the server cannot end by itself (a task stream that never says hello) holds the
    // shutdown in its grace period: long enough to look at /readyz during it.
    const held = new AbortController();
    const never = new Promise<void>((resolve) => held.signal.addEventListener('abort', () => resolve()));
    const pending = createClient(AgentServiceDefinition, channel).taskStream(
      (async function* () {
        await never;
      })(),
      { signal: held.signal },
    );
    const pendingEnd = (async () => {
      for await (const _ of pending);
    })().catch((error: unknown) => error);
    // Answered after the server has the task stream's headers (same connection, sent before).
    assert.equal((await health.check({ service: '' })).status, SERVING);

    const closed = h.orchestrator.close();
    try {
      assert.equal((await watch.next()).value?.status, NOT_SERVING);
      assert.equal((await watch.next()).done, true, 'Watch ends instead of holding the shutdown');
      assert.deepEqual(await get(base, '/readyz'), { status: 503, body: 'not ready: the orchestrator is shutting down\n', type: 'text/plain; charset=utf-8' });
      assert.equal((await get(base, '/healthz')).status, 200, 'the process is still up');
    } finally {
      held.abort();
      await closed;
      await pendingEnd;
    }
    await assert.rejects(fetch(`${base}/healthz`), 'the metrics server is closed with the orchestrator');
    assert.equal(h.orchestrator.metricsAddress, undefined);
  });
});

describe('bin/orchestrator --metrics-addr', () => {
  let dir: string;
  let p: Proc | undefined;
  before(async () => {
    dir = await tempSocketDir();
  });
  after(async () => {
    await p?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('logs the metrics address, serves health and metrics there, and exits 0 on SIGTERM', async () => {
    const socket = join(dir, 'o.sock');
    p = startBin('orchestrator', ['--listen', `unix://${socket}`, '--data-dir', ':memory:', '--log-format', 'json', '--metrics-addr', '127.0.0.1:0', '--worker-key', KEY]);
    const proc = p;
    const address = await waitUntil(
      () => {
        for (const line of proc.output().stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          const entry = JSON.parse(line) as { message?: string; addr?: string };
          if (entry.message === 'serving /healthz, /readyz and /metrics' && entry.addr) return entry.addr;
        }
        if (proc.child.exitCode !== null) throw new Error(`the orchestrator exited: ${JSON.stringify(proc.output())}`);
        return undefined;
      },
      15_000,
      'the metrics address logged',
    );
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(address, '127.0.0.1:0');
    const base = `http://${address}`;
    assert.equal((await get(base, '/readyz')).status, 200);
    const metrics = (await get(base, '/metrics')).body;
    assert.equal(series(metrics, 'baaaht_orchestrator_queued_tasks'), 0);
    assert.match(metrics, /^process_cpu_user_seconds_total \d/m);

    const channel = createGrpcChannel(`unix://${socket}`, { maxRecvMsgSize: MiB, maxSendMsgSize: MiB });
    try {
      assert.deepEqual(await statuses(channel), [SERVING, SERVING, SERVING]);
      const keyed = Metadata({ [WORKER_KEY_METADATA]: 'not the key' });
      await assert.rejects(
        createClient(AgentServiceDefinition, channel).register({ name: 'w', hostname: 'h', agentId: '', bootId: 'b' }, { metadata: keyed }),
        (error: unknown) => error instanceof ClientError && error.code === Status.UNAUTHENTICATED,
      );
    } finally {
      channel.close();
    }
    assert.equal(await proc.stop('SIGTERM'), 0);
    await assert.rejects(fetch(`${base}/healthz`));
  });
});
