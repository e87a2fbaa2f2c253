// The abuse suite: tasks that try to exhaust the machine, each run for real, each ending with its
// typed cause while the worker stays bounded. The memory bomb and the sleep-spawning fork bomb are
// test/faults/causes.test.ts's (OUT_OF_MEMORY, PID_LIMIT); here: the recursive fork bomb, filling
// /tmp, a zombie storm, and 1 GiB of output through the real worker process, whose RSS is watched.
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { Task, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { wrapExecutor, type ExecuteTaskResult, type Executor } from '../../pkg/index.js';
import { DockerEngine } from '../../pkg/runtime/index.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createExecutorFor } from '../../pkg/worker/index.js';
import { ROOT } from '../support/examples.js';
import { waitUntil } from '../support/processes.js';
import { collect, MiB, startOrchestrator, type Harness } from '../rpc/harness.js';

const FIXTURE = join(ROOT, 'test/fixtures/escape-tools.yaml');
/** The worker's default --output-cap. */
const DEFAULT_CAP = 10 * MiB;
/** How much the worker's RSS may grow while 1 GiB goes through it. */
const RSS_GROWTH_BOUND = 200 * MiB;

describe('abuse suite (real containers)', () => {
  describe('in one container (library executor)', () => {
    let executor: Executor;
    before(async () => {
      const config = loadWorkerConfig({ argv: ['--name', 'abuse-worker', '--config', FIXTURE], env: {}, homeDir: '/nonexistent', hostname: 'abuse' });
      const engine = new DockerEngine(config.dockerSocket, config.rpcTimeoutMs);
      executor = wrapExecutor(createExecutorFor(config, engine, createBuiltinToolRegistry(config.tools), (await engine.runtimes()).default));
    });
    const run = (toolType: string): Promise<ExecuteTaskResult> => executor.executeTask({ toolType, params: {} });

    it('the recursive fork bomb stops at the PID limit, long before its timeout', async () => {
      const r = await run('fork_bomb_recursive');
      assert.equal(r.state, 'FAILED', r.stderr.toString());
      assert.equal(r.cause, 'PID_LIMIT');
      assert.match(r.error?.message ?? '', /hit its limit of 16 processes/);
      assert.match(r.stderr.toString(), /Cannot fork/);
      assert.ok(r.durationMs < 15_000, `took ${r.durationMs} ms`);
    });

    it('filling /tmp stops at its 16 MiB with "No space left on device"', async () => {
      const r = await run('fill_tmp');
      assert.equal(r.state, 'COMPLETED');
      assert.equal(r.cause, 'NON_ZERO_EXIT');
      assert.equal(r.exitCode, 1);
      assert.match(r.stderr.toString(), /head: error writing 'standard output': No space left on device/);
      const wrote = Number(/wrote (\d+) bytes/.exec(r.stdout.toString())?.[1]);
      assert.ok(wrote > 8 * MiB && wrote <= 16 * MiB, `wrote ${wrote} bytes into /tmp`);
    });

    it('a zombie storm: init reaps the orphans, the unreaped ones stop at the PID limit', async () => {
      const r = await run('zombie_storm');
      const out = r.stdout.toString();
      assert.match(out, /orphans left as zombies: 0\n/, 'docker-init reaped every orphan');
      const made = Number(/fork refused after (\d+) zombies: Resource temporarily unavailable/.exec(out)?.[1]);
      assert.ok(made > 10 && made < 32, `zombies before the limit refused: ${made}\n${out}`);
      assert.equal(r.state, 'FAILED');
      assert.equal(r.cause, 'PID_LIMIT');
      assert.match(r.error?.message ?? '', /hit its limit of 32 processes/);
    });
  });

  describe('1 GiB of output through the real worker process', () => {
    let h: Harness;
    let worker: ChildProcess;
    let workDir: string;
    let workerLog = '';

    before(async () => {
      workDir = await mkdtemp(join(tmpdir(), 'baaaht-abuse-'));
      h = await startOrchestrator({ maxRecvMsgSize: 100 * MiB, maxSendMsgSize: 100 * MiB });
      // cmd/worker/main.ts as its own process (through tsx, so no build is needed), default output cap.
      worker = spawn(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'cmd/worker/main.ts'),
          '--orchestrator-addr', h.address, '--name', 'abuse-process-worker', '--config', FIXTURE,
          '--work-dir', workDir, '--heartbeat-interval', '1s', '--log-level', 'warn'],
        { cwd: ROOT, env: { ...TEST_WORKER_ENV, ...process.env, HOME: '/nonexistent', ORCHESTRATOR_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      worker.stdout?.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
      worker.stderr?.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
      await waitUntil(async () => (await h.tasks.listWorkers({})).workers.some((w) => w.name === 'abuse-process-worker'), 30_000, 'the worker registered');
    });

    after(async () => {
      if (worker && worker.exitCode === null) {
        worker.kill('SIGTERM');
        await once(worker, 'close');
      }
      await h?.close();
      await rm(workDir, { recursive: true, force: true });
    });

    const memory = async (pid: number): Promise<{ rss: number; hwm: number }> => {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
      return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
    };

    it('ends OUTPUT_TRUNCATED with the 10 MiB cap, and the worker RSS stays bounded', async () => {
      const pid = worker.pid!;
      await new Promise((r) => setTimeout(r, 1000));
      const baseline = (await memory(pid)).rss;
      let peak = baseline;
      const sampler = setInterval(() => {
        memory(pid).then((m) => (peak = Math.max(peak, m.rss)), () => {});
      }, 50);
      const started = Date.now();
      let r;
      try {
        r = await collect(h.tasks.runTask({ task: Task.fromPartial({ toolType: 'flood_gib', params: { $case: 'custom', custom: { values: {} } } }) }));
      } finally {
        clearInterval(sampler);
      }
      const seconds = (Date.now() - started) / 1000;
      const { rss, hwm } = await memory(pid);
      peak = Math.max(peak, rss);
      const growth = peak - baseline;
      const report = `baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB (+${(growth / MiB).toFixed(1)}), VmHWM ${(hwm / MiB).toFixed(1)} MiB, ${seconds.toFixed(1)} s`;
      console.log(`# 1 GiB flood: ${report}`);
      assert.equal(TaskState[r.result.state], TaskState[TaskState.TASK_STATE_COMPLETED], `${JSON.stringify(r.result.error)}\n${workerLog}`);
      assert.equal(r.result.cause, 'OUTPUT_TRUNCATED');
      assert.equal(r.result.exitCode, 0, 'head wrote all of it: the worker drained the stream to its end');
      assert.equal(r.result.stdoutTruncated, true);
      assert.equal(r.result.stdout.length, DEFAULT_CAP);
      assert.ok(growth < RSS_GROWTH_BOUND, report);
    });
  });
});
