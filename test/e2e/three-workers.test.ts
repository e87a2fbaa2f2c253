// Three real workers, each in a network namespace of its own made by this test, connected to one
// real orchestrator over TCP with mutual TLS and per-group worker keys: tasks spread across them,
// placement by group and labels, a worker with another group's key refused, and a worker killed
// with -9 mid-task whose task moves to another worker.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient, type Channel } from 'nice-grpc';
import { Task, TaskServiceDefinition, TaskState, type TaskResult, type TaskServiceClient } from '../../pkg/gen/agent/v1/agent.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { docker, makeWorkspace, managedContainers } from '../support/docker-fixtures.js';
import { ROOT } from '../support/examples.js';
import { createNetnsLab, type NetnsLab } from '../support/netns.js';
import { startBin, waitUntil, type Proc } from '../support/processes.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';

const SHARED_KEY = 'shared-key-of-the-default-group';
const GPU_KEY = 'the-gpu-group-has-its-own-key';
const FAULT_TOOLS = join(ROOT, 'test/fixtures/fault-tools.yaml');

/** name, group, labels, key: w1 and w2 in the default group, w3 in gpu. */
const WORKERS = [
  { name: 'ns-w1', group: 'default', labels: 'zone=a', key: SHARED_KEY },
  { name: 'ns-w2', group: 'default', labels: 'zone=b', key: SHARED_KEY },
  { name: 'ns-w3', group: 'gpu', labels: 'zone=a,accel=yes', key: GPU_KEY },
] as const;

describe('three workers in their own network namespaces (TCP, mutual TLS, group keys)', () => {
  let lab: NetnsLab;
  let certs: TestCertificates;
  let dir: string;
  let address: string;
  let orchestrator: Proc;
  let channel: Channel;
  let tasks: TaskServiceClient;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  const workers = new Map<string, Proc>();
  const submitted: string[] = [];

  const startWorker = (index: number, spec: { name: string; group: string; labels: string; key: string }): Proc => {
    const p = startBin(
      'worker',
      [
        '--orchestrator-addr', address, '--ca-cert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey,
        '--tls-server-name', 'localhost', '--worker-key', spec.key, '--name', spec.name, '--group', spec.group,
        '--label', spec.labels, '--config', FAULT_TOOLS, '--work-dir', join(dir, `work-${spec.name}`), '--max-concurrent-tasks', '2',
        '--heartbeat-interval', '300ms', '--reconnect-interval', '200ms', '--reconnect-max-interval', '500ms', '--log-format', 'json',
      ],
      undefined,
      lab.prefix(index),
    );
    workers.set(spec.name, p);
    return p;
  };

  const run = async (task: Partial<Task>, placement: { group?: string; labels?: Record<string, string>; worker?: string } = {}): Promise<TaskResult> => {
    for await (const event of tasks.runTask({ task: Task.fromPartial(task), worker: '', group: '', labels: {}, ...placement })) {
      if (event.event?.$case === 'submitted') submitted.push(event.taskId);
      if (event.event?.$case === 'result') return event.event.result;
    }
    throw new Error('no result');
  };
  const sleeper = (seconds: number): Partial<Task> => ({ toolType: 'sleeper', params: { $case: 'custom', custom: { values: { seconds: String(seconds) } } } });
  const finished = (taskId: string, timeoutMs = 30_000) =>
    waitUntil(async () => {
      const view = await tasks.getTask({ taskId });
      return view.result ? view : undefined;
    }, timeoutMs, `task ${taskId} finished`);

  before(async () => {
    lab = createNetnsLab(WORKERS.length + 1);
    certs = makeTestCertificates();
    dir = await mkdtemp('/tmp/b3w-');
    ws = await makeWorkspace({ 'hello.txt': 'from the shared workspace\n' });
    const keys = join(dir, 'group-keys.yaml');
    writeFileSync(keys, `gpu: "${GPU_KEY}"\n`, { mode: 0o600 });
    orchestrator = startBin('orchestrator', [
      '--listen', `${lab.hostAddress}:0`, '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-client-ca', certs.caCert,
      '--worker-key', SHARED_KEY, '--group-keys', keys, '--data-dir', join(dir, 'data'), '--worker-timeout', '3s', '--log-format', 'json',
    ]);
    // The real port: the orchestrator logs the address it listens on.
    address = await waitUntil(() => {
      const { stdout, stderr } = orchestrator.output();
      const line = `${stdout}\n${stderr}`.split('\n').find((l) => l.includes('orchestrator listening'));
      return line === undefined ? undefined : (JSON.parse(line) as { address: string }).address;
    }, 15_000, 'orchestrator listening');
    assert.ok(address.startsWith(`${lab.hostAddress}:`), address);
    channel = createGrpcChannel(address, {
      tls: { caCert: readFileSync(certs.caCert), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey), serverName: 'localhost' },
      maxRecvMsgSize: 4 * 1024 * 1024,
      maxSendMsgSize: 4 * 1024 * 1024,
    });
    tasks = createClient(TaskServiceDefinition, channel);
    for (const [i, spec] of WORKERS.entries()) startWorker(i, spec);
    await waitUntil(async () => {
      const { workers: listed } = await tasks.listWorkers({});
      return listed.filter((w) => w.connected).length === WORKERS.length;
    }, 30_000, 'three workers connected');
  });

  after(async () => {
    for (const p of workers.values()) await p.stop('SIGKILL');
    await orchestrator?.stop('SIGTERM');
    channel?.close();
    for (const taskId of submitted) {
      for (const c of await managedContainers(taskId)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    lab?.remove();
    certs?.remove();
    await ws?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('each registers from its own address with its group, its labels and the platform labels', async () => {
    const { workers: listed } = await tasks.listWorkers({});
    const byName = new Map(listed.map((w) => [w.name, w]));
    for (const spec of WORKERS) {
      const w = byName.get(spec.name);
      assert.ok(w, `${spec.name} is registered`);
      assert.equal(w.group, spec.group);
      for (const pair of spec.labels.split(',')) {
        const [key, value] = pair.split('=') as [string, string];
        assert.equal(w.labels[key], value, `${spec.name} ${key}`);
      }
      assert.equal(w.labels['platform.os'], 'linux');
      assert.equal(w.labels['platform.arch'], process.arch);
      assert.equal(w.labels['platform.tool.file_read'], 'true');
      assert.equal(w.labels['platform.runtime.runc'], 'true');
      // In a namespace of its own the egress proxy cannot listen on the web network's gateway.
      assert.ok(!w.capabilities?.toolTypes.includes('fetch_url'), `${spec.name} offers no web tools`);
      assert.ok(w.capabilities?.toolTypes.includes('sleeper'));
    }
    // Each namespace reaches the host at the bridge address only: the connection is real TCP.
    const log = workers.get('ns-w1')!.output();
    assert.match(`${log.stdout}${log.stderr}`, /"web egress unavailable; web tools not offered"/);
  });

  it('a worker presenting the default key for the gpu group is refused and never registers', async () => {
    const intruder = startWorker(WORKERS.length, { name: 'ns-intruder', group: 'gpu', labels: 'zone=a', key: SHARED_KEY });
    await waitUntil(() => /not the key of group \\?"gpu\\?"/.test(intruder.output().stdout + intruder.output().stderr), 20_000, 'the refusal in its log');
    const { workers: listed } = await tasks.listWorkers({});
    assert.ok(!listed.some((w) => w.name === 'ns-intruder'));
    await intruder.stop('SIGKILL');
    workers.delete('ns-intruder');
  });

  it('tasks spread across all three workers', async () => {
    const ids = await Promise.all([...Array(6).keys()].map(async () => (await tasks.submitTask({ task: Task.fromPartial(sleeper(2)), worker: '', group: '', labels: {} })).taskId));
    submitted.push(...ids);
    const results = await Promise.all(ids.map((id) => finished(id)));
    for (const r of results) assert.equal(r.result?.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(r.result?.error));
    const ranOn = new Set(results.map((r) => r.result?.worker));
    assert.deepEqual([...ranOn].sort(), WORKERS.map((w) => w.name).sort());
  });

  it('a group, labels, or both send the task only to a worker that matches; the result names it', async () => {
    const read = { toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead' as const, fileRead: { path: 'hello.txt' } } };
    const cases: Array<{ placement: { group?: string; labels?: Record<string, string> }; expect: string }> = [
      { placement: { group: 'gpu' }, expect: 'ns-w3' },
      { placement: { labels: { zone: 'b' } }, expect: 'ns-w2' },
      { placement: { group: 'default', labels: { zone: 'a' } }, expect: 'ns-w1' },
      { placement: { labels: { accel: 'yes', 'platform.tool.file_read': 'true' } }, expect: 'ns-w3' },
    ];
    for (const c of cases) {
      for (let i = 0; i < 2; i++) {
        const r = await run(read, c.placement);
        assert.equal(r.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(r.error));
        assert.equal(Buffer.from(r.stdout).toString(), 'from the shared workspace\n');
        assert.equal(r.worker, c.expect, JSON.stringify(c.placement));
      }
    }
  });

  it('no matching worker: NO_WORKER at once, saying what there is', async () => {
    const read = { toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead' as const, fileRead: { path: 'hello.txt' } } };
    const none = await run(read, { labels: { zone: 'c' } });
    assert.equal(none.state, TaskState.TASK_STATE_FAILED);
    assert.equal(none.error?.code, 'NO_WORKER');
    assert.match(none.error?.message ?? '', /^no registered worker matches labels zone=c \(registered: .*ns-w1 in group default/);
    const noGroup = await run(read, { group: 'batch' });
    assert.equal(noGroup.error?.code, 'NO_WORKER');
    assert.match(noGroup.error?.message ?? '', /group "batch"/);
    await assert.rejects(run(read, { group: 'Not A Group' }), /INVALID_ARGUMENT.*group "Not A Group" is not/);
  });

  it('a worker killed with -9 mid-task: its task runs again on the other worker of its group', async () => {
    const { taskId } = await tasks.submitTask({ task: Task.fromPartial(sleeper(3)), worker: '', group: 'default', labels: {} });
    submitted.push(taskId);
    const first = await waitUntil(async () => {
      const view = await tasks.getTask({ taskId });
      return view.state === TaskState.TASK_STATE_RUNNING ? view.worker : undefined;
    }, 20_000, 'the task running');
    assert.ok(first === 'ns-w1' || first === 'ns-w2', first);
    const other = first === 'ns-w1' ? 'ns-w2' : 'ns-w1';
    workers.get(first)!.child.kill('SIGKILL');
    await workers.get(first)!.exited;
    const view = await finished(taskId, 40_000);
    assert.equal(view.result?.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(view.result?.error));
    assert.equal(view.result?.worker, other, 'the task moved to the other default-group worker, not to gpu');
    assert.equal(view.result?.attempt, 2);
  });
});
