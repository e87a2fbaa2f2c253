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
import { waitUntil } from '../support/processes.js';
import { faultProcs, faultToolsYaml } from './fault-procs.js';

const TOOLS = faultToolsYaml(
  TOOLS_IMAGE,
  `    - name: self_term
      description: sleeps, then kills itself with SIGTERM (exit 143) or SIGKILL (exit 137)
      image: ${TOOLS_IMAGE}
      command: [sh, -c, 'sleep 1; kill -"$1" $$', sh, '{signal}']
      params:
        signal: { type: string, required: true }
      network: none
`,
);

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
  let procs: ReturnType<typeof faultProcs>;

  before(async () => {
    dir = await mkdtemp('/tmp/beo-');
    await writeFile(join(dir, 'tools.yaml'), TOOLS);
    procs = faultProcs(dir, join(dir, 'tools.yaml'));
  });
  afterEach(async () => {
    await procs.stopAll();
    ensureDocker();
    // Whatever an outage did, the tools image is still there for the tests after these.
    await docker.getImage(TOOLS_IMAGE).inspect();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const engineStoppedFor = async (name: string, outageMs: number): Promise<void> => {
    const { orchestrator, worker, registered, task, runningContainer, finished, reportsHealthy } = procs;
    orchestrator();
    worker(name);
    await registered(name);
    const id = await task('run', 'sleeper', '--param', 'seconds=100', '--detach');
    await runningContainer(id);
    const outageEnds = Date.now() + outageMs;
    try {
      await stopDockerd();
      // While the engine is down, the worker's heartbeat says so (placement keeps tasks away).
      await reportsHealthy(name, false, Math.max(1_000, outageEnds - Date.now()));
      await new Promise((r) => setTimeout(r, Math.max(0, outageEnds - Date.now())));
    } finally {
      ensureDocker();
    }
    await reportsHealthy(name, true, 15_000);
    const t = await finished(id);
    assert.equal(t.state, 'FAILED', JSON.stringify(t));
    assert.equal(t.cause, 'ENGINE_UNAVAILABLE');
    assert.equal(t.retryable, true);
    await waitUntil(async () => (await managedContainers(id)).length === 0, 15_000, 'the stopped container removed');
  };

  it('dockerd stopped for 5 s mid-task (its containers stopped with SIGTERM, exit 143): FAILED ENGINE_UNAVAILABLE, retryable; the heartbeat says unhealthy until it is back', async () => {
    await engineStoppedFor('eo-stop5', 5_000);
  });

  it('dockerd stopped for 30 s mid-task: FAILED ENGINE_UNAVAILABLE, retryable', async () => {
    await engineStoppedFor('eo-stop30', 30_000);
  });

  it("the task's containerd shim killed -9 (exit 137): FAILED ENGINE_UNAVAILABLE, retryable", async () => {
    const { orchestrator, worker, registered, task, runningContainer, finished } = procs;
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
    const { orchestrator, worker, registered, task, finished } = procs;
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
