// Engine outages are never a tool's exit (issue #13, section 1): the real dockerd stopped (it stops
// the running containers on its way down: exit 143) and a task's containerd shim killed (exit 137)
// end FAILED ENGINE_UNAVAILABLE (retryable); a tool that kills itself with the same signal stays a
// NON_ZERO_EXIT. Real processes (bin/orchestrator, bin/worker, bin/task), the real engine.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { docker, managedContainers, TOOLS_IMAGE } from '../support/docker-fixtures.js';
import { ROOT } from '../support/examples.js';
import { runBin, startBin, waitUntil, type Proc } from '../support/processes.js';

/** What `bin/task get --json` says of a task, as far as these tests look. */
type TaskJson = { readonly state: string; readonly cause: string; readonly retryable: boolean; readonly exitCode: number };

const TOOLS = `tools:
  custom:
    - name: sleeper
      description: sleeps for a while
      image: ${TOOLS_IMAGE}
      command: [sleep, '{seconds}']
      params:
        seconds: { type: integer, required: true, min: 0, max: 100000 }
      network: none
      timeout: 120s
    - name: self_term
      description: sleeps, then kills itself with SIGTERM (exit 143) or SIGKILL (exit 137)
      image: ${TOOLS_IMAGE}
      command: [sh, -c, 'sleep 1; kill -"$1" $$', sh, '{signal}']
      params:
        signal: { type: string, required: true }
      network: none
`;

const ensureDocker = (): void => {
  execFileSync('bash', [join(ROOT, 'scripts/ensure-docker.sh')], { stdio: 'ignore' });
};

/** Stops dockerd the way an operator or a package upgrade does (SIGTERM), and waits until it is gone. */
async function stopDockerd(): Promise<void> {
  const pids = execFileSync('pgrep', ['-x', 'dockerd']).toString().trim().split(/\s+/);
  for (const pid of pids) process.kill(Number(pid), 'SIGTERM');
  await waitUntil(() => {
    try {
      execFileSync('pgrep', ['-x', 'dockerd']);
      return false;
    } catch {
      return true;
    }
  }, 30_000, 'dockerd gone');
}

describe('engine outages end ENGINE_UNAVAILABLE, not as the tool exit (real dockerd, real shim)', () => {
  let dir: string;
  let addr: string;
  let config: string;
  const procs: Proc[] = [];

  const orchestrator = (): Proc => {
    const p = startBin('orchestrator', ['--listen', addr, '--data-dir', join(dir, 'data'), '--max-attempts', '1', '--worker-timeout', '60s']);
    procs.push(p);
    return p;
  };
  const worker = (name: string): Proc => {
    const p = startBin('worker', [
      '--orchestrator-addr', addr, '--name', name, '--config', config, '--work-dir', join(dir, `work-${name}`),
      '--heartbeat-interval', '500ms', '--reconnect-interval', '200ms', '--reconnect-max-interval', '1s', '--dial-timeout', '1s',
      '--reap-interval', '1s', '--engine-check-interval', '1s',
    ]);
    procs.push(p);
    return p;
  };
  const task = async (...args: string[]): Promise<string> => (await runBin('task', ['--orchestrator-addr', addr, ...args])).stdout.trim();
  const get = async (taskId: string): Promise<TaskJson | undefined> => {
    // Its exit status follows the task's state: the JSON on stdout is what tells.
    const { stdout } = await runBin('task', ['--orchestrator-addr', addr, 'get', taskId, '--json']);
    return stdout.trimStart().startsWith('{') ? (JSON.parse(stdout) as TaskJson) : undefined;
  };
  const registered = (name: string) =>
    waitUntil(async () => {
      const r = await runBin('task', ['--orchestrator-addr', addr, 'workers', '--json']);
      return r.code === 0 && (JSON.parse(r.stdout) as Array<{ name: string; connected: boolean }>).some((w) => w.name === name && w.connected);
    }, 20_000, `${name} registered`);
  const finished = (taskId: string, timeoutMs = 60_000) =>
    waitUntil(async () => {
      const t = await get(taskId);
      return t && !['QUEUED', 'RUNNING'].includes(t.state) ? t : undefined;
    }, timeoutMs, `task ${taskId} finished`);
  const runningContainer = (taskId: string) =>
    waitUntil(async () => (await managedContainers(taskId)).find((c) => c.State === 'running'), 20_000, `container of ${taskId}`);

  before(async () => {
    dir = await mkdtemp('/tmp/beo-');
    addr = `unix://${dir}/grpc.sock`;
    config = join(dir, 'tools.yaml');
    await writeFile(config, TOOLS);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop('SIGKILL');
    ensureDocker();
    // Whatever an outage did, the tools image is still there for the tests after these.
    await docker.getImage(TOOLS_IMAGE).inspect();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const engineStoppedFor = async (name: string, outageMs: number): Promise<void> => {
    orchestrator();
    worker(name);
    await registered(name);
    const id = await task('run', 'sleeper', '--param', 'seconds=100', '--detach');
    await runningContainer(id);
    try {
      await stopDockerd();
      await new Promise((r) => setTimeout(r, outageMs));
    } finally {
      ensureDocker();
    }
    const t = await finished(id);
    assert.equal(t.state, 'FAILED', JSON.stringify(t));
    assert.equal(t.cause, 'ENGINE_UNAVAILABLE');
    assert.equal(t.retryable, true);
    await waitUntil(async () => (await managedContainers(id)).length === 0, 15_000, 'the stopped container removed');
  };

  it('dockerd stopped for 5 s mid-task (its containers stopped with SIGTERM, exit 143): FAILED ENGINE_UNAVAILABLE, retryable', async () => {
    await engineStoppedFor('eo-stop5', 5_000);
  });

  it('dockerd stopped for 30 s mid-task: FAILED ENGINE_UNAVAILABLE, retryable', async () => {
    await engineStoppedFor('eo-stop30', 30_000);
  });

  it("the task's containerd shim killed -9 (exit 137): FAILED ENGINE_UNAVAILABLE, retryable", async () => {
    orchestrator();
    worker('eo-shim');
    await registered('eo-shim');
    const id = await task('run', 'sleeper', '--param', 'seconds=100', '--detach');
    const container = await runningContainer(id);
    const shims = execFileSync('ps', ['-eo', 'pid=,args=']).toString().split('\n')
      .filter((line) => line.includes('containerd-shim') && line.includes(container.Id));
    assert.equal(shims.length, 1, 'one shim for the container');
    process.kill(Number(shims[0]!.trim().split(/\s+/)[0]), 'SIGKILL');
    const t = await finished(id, 30_000);
    assert.equal(t.state, 'FAILED', JSON.stringify(t));
    assert.equal(t.cause, 'ENGINE_UNAVAILABLE');
    assert.equal(t.retryable, true);
  });

  it('a tool that kills itself (SIGTERM: exit 143, SIGKILL: exit 137) is still its own NON_ZERO_EXIT', async () => {
    orchestrator();
    worker('eo-self');
    await registered('eo-self');
    for (const [signal, code] of [['TERM', 143], ['KILL', 137]] as const) {
      const id = await task('run', 'self_term', '--param', `signal=${signal}`, '--detach');
      const t = await finished(id, 30_000);
      assert.equal(t.state, 'COMPLETED', JSON.stringify(t));
      assert.equal(t.cause, 'NON_ZERO_EXIT');
      assert.equal(t.exitCode, code);
      assert.equal(t.retryable, false);
    }
  });
});
