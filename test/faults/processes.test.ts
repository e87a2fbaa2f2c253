// The fault suite: real processes (bin/orchestrator, bin/worker, bin/task) and the real engine,
// broken on purpose: orchestrator killed mid-task, worker killed mid-task, Docker engine killed,
// drain, a forced exit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { docker, makeWorkspace, managedContainers } from '../support/docker-fixtures.js';
import { ROOT } from '../support/examples.js';
import { runBin, startBin, waitUntil, type Proc } from '../support/processes.js';
import { LABELS } from '../../pkg/runtime/index.js';

interface TaskJson {
  taskId: string;
  state: string;
  exitCode: number;
  cause: string;
  retryable: boolean;
  attempt: number;
  stdout: string;
}
interface WorkerJson {
  name: string;
  connected: boolean;
  draining: boolean;
  healthy: boolean;
}

const FAULT_TOOLS = join(ROOT, 'test/fixtures/fault-tools.yaml');

describe('fault suite (real processes, real engine)', () => {
  let dir: string;
  let addr: string;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  const procs: Proc[] = [];

  const orchestrator = (...extra: string[]): Proc => {
    const p = startBin('orchestrator', ['--listen', addr, '--data-dir', join(dir, 'data'), '--log-format', 'json', ...extra]);
    procs.push(p);
    return p;
  };
  const worker = (name: string, ...extra: string[]): Proc => {
    const p = startBin('worker', [
      '--orchestrator-addr', addr, '--name', name, '--config', FAULT_TOOLS, '--work-dir', join(dir, `work-${name}`),
      '--heartbeat-interval', '500ms', '--reconnect-interval', '200ms', '--reconnect-max-interval', '1s', '--dial-timeout', '1s',
      '--reap-interval', '1s', '--engine-check-interval', '1s', ...extra,
    ]);
    procs.push(p);
    return p;
  };
  const task = async (...args: string[]): Promise<string> => {
    const r = await runBin('task', ['--orchestrator-addr', addr, ...args]);
    return r.stdout.trim();
  };
  const get = async (taskId: string): Promise<TaskJson | undefined> => {
    const r = await runBin('task', ['--orchestrator-addr', addr, 'get', taskId, '--json']);
    try {
      return JSON.parse(r.stdout) as TaskJson;
    } catch {
      return undefined;
    }
  };
  const workers = async (): Promise<WorkerJson[]> => {
    const r = await runBin('task', ['--orchestrator-addr', addr, 'workers', '--json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as WorkerJson[]) : [];
  };
  const registered = (name: string) =>
    waitUntil(async () => (await workers()).find((w) => w.name === name && w.connected), 20_000, `${name} registered`);
  const finished = (taskId: string, timeoutMs = 30_000) =>
    waitUntil(async () => {
      const t = await get(taskId);
      return t && !['QUEUED', 'RUNNING'].includes(t.state) ? t : undefined;
    }, timeoutMs, `task ${taskId} finished`);
  const containerOf = async (taskId: string) =>
    waitUntil(async () => (await managedContainers(taskId)).find((c) => c.State === 'running'), 20_000, `container of ${taskId}`);
  const countLines = (text: string, re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;
  const stopAll = async (): Promise<void> => {
    for (const p of procs.splice(0)) await p.stop('SIGKILL');
  };

  before(async () => {
    dir = await mkdtemp('/tmp/bf-');
    addr = `unix://${dir}/grpc.sock`;
    ws = await makeWorkspace({ 'a.txt': 'still here\n' });
  });
  // Each case starts its own processes on the same socket: none may outlive its case, failed or not.
  afterEach(async () => {
    await stopAll();
    execFileSync('bash', [join(ROOT, 'scripts/ensure-docker.sh')], { stdio: 'ignore' });
  });
  after(async () => {
    await stopAll();
    execFileSync('bash', [join(ROOT, 'scripts/ensure-docker.sh')], { stdio: 'ignore' });
    await ws?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('orchestrator killed mid-task: the result waits on disk, then is delivered exactly once after its restart', async () => {
    let o = orchestrator('--worker-timeout', '10s');
    const w = worker('fw-restart', '--result-memory', '0');
    await registered('fw-restart');
    const id = await task('run', 'sleeper', '--param', 'seconds=2', '--detach');
    await containerOf(id);
    o.child.kill('SIGKILL');
    await o.exited;
    // The task finishes while the orchestrator is gone; its result goes to the work dir.
    await waitUntil(() => new RegExp(`task finished.*${id}`).test(w.output().stdout), 15_000, 'finished during the outage');
    const spooled = await waitUntil(async () => (await readdir(join(dir, 'work-fw-restart', 'results'))).filter((f) => f.endsWith('.result')), 5_000, 'spooled');
    assert.equal(spooled.length, 1);
    assert.match(w.output().stdout, /connection state from=READY to=TRANSIENT_FAILURE/);
    o = orchestrator('--worker-timeout', '10s');
    const t = await finished(id);
    assert.equal(t.state, 'COMPLETED');
    assert.equal(t.cause, 'COMPLETED');
    assert.equal(t.attempt, 1, 'not re-run');
    assert.equal(countLines(w.output().stdout, new RegExp(`task finished.*${id}`)), 1, 'ran once');
    assert.equal(countLines(w.output().stdout, new RegExp(`task accepted.*${id}`)), 1, 'assigned once');
    await waitUntil(async () => (await readdir(join(dir, 'work-fw-restart', 'results'))).length === 0, 5_000, 'spool emptied by the ack');
  });

  it('worker killed with -9 mid-task: no orphan 10 s after its restart, and the task runs again', async () => {
    orchestrator('--worker-timeout', '2s', '--max-attempts', '3');
    const w1 = worker('fw-kill');
    await registered('fw-kill');
    const id = await task('run', 'sleeper', '--param', 'seconds=4', '--detach');
    const orphan = await containerOf(id);
    w1.child.kill('SIGKILL');
    await w1.exited;
    assert.equal((await managedContainers(id)).length, 1, 'the container outlived its worker');
    const oldBoot = orphan.Labels[LABELS.bootId];
    const restartedAt = Date.now();
    worker('fw-kill');
    await waitUntil(async () => !(await managedContainers(id)).some((c) => c.Labels[LABELS.bootId] === oldBoot), 10_000, 'orphan removed');
    assert.ok(Date.now() - restartedAt <= 10_000);
    const t = await finished(id, 40_000);
    assert.equal(t.state, 'COMPLETED');
    assert.equal(t.attempt, 2, 'the lease was taken away and the task ran again');
  });

  it('Docker engine killed while a task runs: ENGINE_UNAVAILABLE, unhealthy, then recovery without a restart', async () => {
    orchestrator('--worker-timeout', '30s', '--max-attempts', '1');
    const w = worker('fw-engine');
    await registered('fw-engine');
    const id = await task('run', 'sleeper', '--param', 'seconds=60', '--detach');
    await containerOf(id);
    execFileSync('pkill', ['-9', '-x', 'dockerd']);
    try {
      const t = await finished(id, 20_000);
      assert.equal(t.state, 'FAILED');
      assert.equal(t.cause, 'ENGINE_UNAVAILABLE');
      assert.equal(t.retryable, true);
      await waitUntil(async () => (await workers()).find((x) => x.name === 'fw-engine' && !x.healthy), 10_000, 'reported unhealthy');
    } finally {
      execFileSync('bash', [join(ROOT, 'scripts/ensure-docker.sh')], { stdio: 'ignore' });
    }
    await waitUntil(async () => (await workers()).find((x) => x.name === 'fw-engine' && x.healthy), 20_000, 'healthy again');
    const read = await runBin('task', ['--orchestrator-addr', addr, 'run', 'file_read', '--mount', ws.dir, '--param', 'path=a.txt']);
    assert.equal(read.stdout, 'still here\n', read.stderr);
    assert.equal(w.child.exitCode, null, 'the worker never restarted');
    await waitUntil(async () => (await managedContainers(id)).length === 0, 15_000, 'the killed task container reaped');
  });

  it('SIGUSR1 drains: the running task finishes, nothing new is taken, the worker unregisters and exits 0', async () => {
    orchestrator();
    const w = worker('fw-drain');
    await registered('fw-drain');
    const id = await task('run', 'sleeper', '--param', 'seconds=2', '--detach');
    await containerOf(id);
    w.child.kill('SIGUSR1');
    await waitUntil(async () => (await workers()).find((x) => x.name === 'fw-drain' && x.draining), 5_000, 'seen draining');
    const later = await task('run', 'file_read', '--mount', ws.dir, '--param', 'path=a.txt', '--detach');
    assert.equal((await w.exited).code, 0);
    assert.equal((await get(id))?.state, 'COMPLETED');
    assert.equal((await get(later))?.state, 'QUEUED', 'the draining worker took nothing new');
    assert.ok(!(await workers()).some((x) => x.name === 'fw-drain'), 'unregistered');
    worker('fw-after-drain');
    assert.equal((await finished(later)).state, 'COMPLETED');
  });

  it('a second SIGTERM forces the exit at once, and the task container is still removed', async () => {
    orchestrator();
    const w = worker('fw-force', '--shutdown-timeout', '60s');
    await registered('fw-force');
    const id = await task('run', 'sleeper', '--param', 'seconds=60', '--detach');
    await containerOf(id);
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    w.child.kill('SIGTERM');
    const { code } = await w.exited;
    assert.equal(code, 130);
    assert.ok(Date.now() - t0 < 10_000);
    assert.deepEqual(await managedContainers(id), []);
  });

  it('leaves no managed container behind', async () => {
    const left = await docker.listContainers({ all: true, filters: { label: [LABELS.managedBy] } });
    assert.deepEqual(left.map((c) => c.Names), []);
  });
});
