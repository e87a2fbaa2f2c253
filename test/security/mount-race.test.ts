// #11 §1: the directory mounted is the directory that was checked. A host loop exchanges a path
// component of the mount source with a symbolic link to a directory outside every mount root
// (renameat2 RENAME_EXCHANGE, thousands of times a second) while hundreds of cold and warm tasks
// read and write through that path, under runc and under gVisor. Before the worker pinned the
// directory it judged, the engine resolved the path again when it bound it, and tasks read the
// outside directory and wrote into it. Now every task either works inside or is refused
// (MOUNT_CHANGED, MOUNT_NOT_FOUND, POLICY_DENIED): 0 reads or writes outside.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { Task } from '../../pkg/gen/agent/v1/agent.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createWorker, type WorkerParts } from '../../pkg/worker/create-worker.js';
import type { RunOutcome } from '../../pkg/worker/index.js';
import { docker } from '../support/docker-fixtures.js';
import { silentLogger } from '../rpc/harness.js';
import { ROOT } from '../support/processes.js';

const REFUSALS = new Set(['MOUNT_CHANGED', 'MOUNT_NOT_FOUND', 'POLICY_DENIED']);

interface Tally {
  readonly byOutcome: Map<string, number>;
  inside: number;
  outside: number;
}

async function pool<T>(count: number, concurrency: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let index = next++; index < count; index = next++) results[index] = await job(index);
    }),
  );
  return results;
}

// A safety net, not a result: once every test here has ended, this file's process must end even
// if a handle of the in-process workers (never started, so never shut down) outlives them.
after(() => void setTimeout(() => process.exit(), 10_000).unref());

// RACE_RUNTIMES=runsc runs one runtime's half (to re-run it alone); CI runs both.
for (const runtime of (process.env['RACE_RUNTIMES']?.split(',') ?? ['runc', 'runsc']) as Array<'runc' | 'runsc'>) {
  const perMode = runtime === 'runc' ? 120 : 50;
  describe(`mount race under ${runtime}: ${perMode} cold and ${perMode} warm tasks through a path whose component is swapped for a link`, () => {
    let base = '';
    let root = '';
    let outside = '';
    let exchanger: ReturnType<typeof spawn> | undefined;
    const workers: WorkerParts[] = [];

    before(async () => {
      base = await realpath(await mkdtemp(join(tmpdir(), 'baaaht-race-')));
      root = join(base, 'root');
      outside = join(base, 'outside');
      // Inside the mount root: root/ws/a/proj. Outside it: outside/proj.
      await mkdir(join(root, 'ws', 'a', 'proj'), { recursive: true });
      await mkdir(join(outside, 'proj'), { recursive: true });
      await writeFile(join(root, 'ws', 'a', 'proj', 'f.txt'), 'inside\n');
      await writeFile(join(outside, 'proj', 'f.txt'), 'OUTSIDE SECRET\n');
      await symlink(outside, join(root, 'ws', 'link'));
      const { chown } = await import('node:fs/promises');
      for (const dir of [join(root, 'ws', 'a', 'proj'), join(outside, 'proj')]) await chown(dir, 1000, 1000);
      await writeFile(join(base, 'tools.yaml'), `tools:\n  overrides:\n    file_read: { runtime: ${runtime} }\n    file_write: { runtime: ${runtime} }\n`);
    });

    after(async () => {
      exchanger?.kill('SIGTERM');
      for (const worker of workers) {
        await worker.warmPool?.close();
        await worker.egress?.close();
      }
      await rm(base, { recursive: true, force: true });
    });

    const makeWorker = async (name: string, warm: boolean): Promise<WorkerParts> => {
      const config = loadWorkerConfig({
        argv: [
          '--config', join(base, 'tools.yaml'),
          '--name', `race-${runtime}-${name}`,
          '--work-dir', join(base, `work-${name}`),
          '--mount-root', `${root}:owner`,
          '--warm-pool', warm ? 'on' : 'off',
          '--warm-per-key', '3',
          '--warm-max', '6',
        ],
        env: {},
        homeDir: '/nonexistent',
        hostname: 'race',
      });
      const worker = await createWorker(config, silentLogger(), { tools: createBuiltinToolRegistry(config.tools), version: 't', hostname: 'race' });
      workers.push(worker);
      return worker;
    };

    /**
     * `awaitWarm`: before each task, give the warm pool up to 3 s to have a container warm (a
     * refill that finds the path swapped drops its key, and the next task runs cold).
     */
    const runAll = async (worker: WorkerParts, label: string, awaitWarm = false): Promise<Tally> => {
      const tally: Tally = { byOutcome: new Map(), inside: 0, outside: 0 };
      await pool(perMode, 3, async (index) => {
        const write = index % 2 === 1;
        // The pool's key of this task: the same directory, read-only or read-write.
        const warmForThis = (): boolean => worker.warmPool?.stats().keys.some((key) => key.warm > 0 && key.description.includes(write ? ':rw ' : ':ro ')) ?? false;
        if (awaitWarm) {
          const deadline = Date.now() + 3_000;
          while (!warmForThis() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const task = Task.fromPartial({
          toolType: write ? 'file_write' : 'file_read',
          mountSource: join(root, 'ws', 'a', 'proj'),
          writable: write,
          params: write
            ? { $case: 'fileWrite', fileWrite: { path: `w-${label}-${index}.txt`, content: Buffer.from('written\n') } }
            : { $case: 'fileRead', fileRead: { path: 'f.txt' } },
        });
        let stdout = '';
        const outcome: RunOutcome = await worker.executor.run(`race-${label}-${index}`, task, {
          onProgress: (event) => {
            if (event.type === 'output' && event.stream === 'stdout') stdout += Buffer.from(event.data).toString();
          },
        });
        const key = outcome.state === 'COMPLETED' ? 'COMPLETED' : `${outcome.state} ${outcome.error?.code ?? outcome.cause}`;
        tally.byOutcome.set(key, (tally.byOutcome.get(key) ?? 0) + 1);
        if (stdout.includes('OUTSIDE')) tally.outside++;
        if (!write && outcome.state === 'COMPLETED') {
          assert.equal(stdout, 'inside\n', `task ${index} read ${JSON.stringify(stdout)}`);
          tally.inside++;
        }
        if (outcome.state !== 'COMPLETED') {
          assert.ok(REFUSALS.has(outcome.error?.code ?? ''), `task ${index} ended ${key}: ${outcome.error?.message}`);
        }
      });
      return tally;
    };

    it('reads and writes only inside, cold and warm, while the exchange loop runs', { timeout: 600_000 }, async () => {
      const cold = await makeWorker('cold', false);
      const warm = await makeWorker('warm', true);
      exchanger = spawn('python3', [join(ROOT, 'test/support/exchange-loop.py'), join(root, 'ws', 'a'), join(root, 'ws', 'link'), '900'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let exchanges = '';
      exchanger.stdout?.on('data', (chunk: Buffer) => (exchanges += chunk.toString()));
      const coldTally = await runAll(cold, 'cold');
      const warmTally = await runAll(warm, 'warm', true);
      exchanger.kill('SIGTERM');
      await once(exchanger, 'close');
      const summary = {
        exchanges: Number(exchanges.trim()),
        cold: Object.fromEntries(coldTally.byOutcome),
        warm: Object.fromEntries(warmTally.byOutcome),
        warmHits: warm.warmPool?.stats().totals.hits,
      };
      console.log(`mount race ${runtime}: ${JSON.stringify(summary)}`);

      // Nothing of the outside was read, and nothing was written there.
      assert.equal(coldTally.outside + warmTally.outside, 0);
      assert.deepEqual((await readdir(join(outside, 'proj'))).sort(), ['f.txt']);
      // The race was real: the loop ran, and tasks got through it (and some were refused by it).
      assert.ok(summary.exchanges > 100, `only ${summary.exchanges} exchanges`);
      assert.ok(coldTally.inside > 0 && warmTally.inside > 0, 'some reads completed inside');
      const written = (await readdir(join(root, 'ws', 'a', 'proj'))).filter((name) => name.startsWith('w-'));
      assert.ok(written.some((name) => name.includes('-cold-')) && written.some((name) => name.includes('-warm-')), 'some writes landed inside');
      assert.ok((summary.warmHits ?? 0) > 0, 'some tasks ran in warm containers');
      // Every pin was released.
      for (const worker of workers) await worker.warmPool?.close();
      for (const name of ['cold', 'warm']) assert.deepEqual(await readdir(join(base, `work-${name}`, 'pins')), []);
      assert.equal((await docker.listContainers({ all: true, filters: { label: [`io.baaaht.worker-id=race-${runtime}-cold`] } })).length, 0);
    });
  });
}
