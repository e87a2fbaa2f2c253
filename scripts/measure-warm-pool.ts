// Warm pool vs cold runs, measured through the runner directly (no worker, no gRPC): N sequential
// file_read commands (`baaaht-fs read`) at file_read's limits (0.1 CPU, 64 MiB, 10 PIDs).
//   node --import tsx scripts/measure-warm-pool.ts [N] [runtime]
// Prints median / p95 / p99 / max in ms for: cold with removal inline (the runner's default), cold
// with removal in the background, and warm claims (the pool refilled between tasks).
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { loadWorkerConfig } from '../pkg/config/index.js';
import { ContainerRunner, taskContainerLabels, WarmPool, type ContainerSpec, type RunsContainers } from '../pkg/runtime/index.js';

const n = Number(process.argv[2] ?? 30);
const runtime = process.argv[3];
const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });
const image = loadWorkerConfig({ argv: [], env: {}, homeDir: '/nonexistent', hostname: 'measure' }).tools.image;
const dir = await mkdtemp(join(tmpdir(), 'baaaht-measure-'));
await writeFile(join(dir, 'hello.txt'), 'hello from the host\n');
await chown(join(dir, 'hello.txt'), 1000, 1000);
await chown(dir, 1000, 1000);

const spec = (): ContainerSpec => ({
  image,
  argv: ['baaaht-fs', 'read', '/workspace/hello.txt'],
  workingDir: '/workspace',
  user: '1000:1000',
  labels: taskContainerLabels({ workerId: 'measure', bootId: 'measure-boot', taskId: `m-${Math.random()}`, tool: 'file_read', deadlineMs: Date.now() + 60_000 }),
  mount: { source: dir, target: '/workspace', writable: false },
  network: 'none',
  limits: { cpus: 0.1, memoryBytes: 64 * 1024 * 1024, pids: 10 },
  ...(runtime ? { runtime } : {}),
});

async function once(runner: RunsContainers): Promise<number> {
  const t0 = performance.now();
  let out = '';
  let code = -1;
  for await (const event of runner.run(spec(), { signal: new AbortController().signal, outputCapBytes: 1 << 20 })) {
    if (event.type === 'output') out += event.data.toString();
    if (event.type === 'exit') code = event.exitCode;
  }
  const ms = performance.now() - t0;
  if (code !== 0 || out !== 'hello from the host\n') throw new Error(`bad run: exit ${code}, ${JSON.stringify(out)}`);
  return ms;
}

function summary(name: string, ms: number[]): void {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  console.log(`${name.padEnd(28)} n=${s.length} p50=${q(0.5).toFixed(1)} p95=${q(0.95).toFixed(1)} p99=${q(0.99).toFixed(1)} max=${s.at(-1)!.toFixed(1)} ms`);
}

const base = { docker, engineCallTimeoutMs: 15_000, defaultRuntime: 'runc' };
try {
  const inline = new ContainerRunner(base);
  const background = new ContainerRunner({ ...base, removal: 'background' });
  await once(inline); // image in the page cache
  const cold: number[] = [];
  for (let i = 0; i < n; i++) cold.push(await once(inline));
  summary('cold, removal inline', cold);
  const coldBg: number[] = [];
  for (let i = 0; i < n; i++) {
    coldBg.push(await once(background));
    await background.settled();
  }
  summary('cold, removal in background', coldBg);

  const pool = new WarmPool({ docker, runner: background, workerId: 'measure', bootId: 'measure-boot', perKey: 1, maxTotal: 4, idleMs: 60_000, maxTaskMs: 60_000 });
  const warm: number[] = [];
  const waitWarm = async (): Promise<void> => {
    while (pool.stats().totals.warm < 1) await sleep(5);
    await background.settled();
    await sleep(150); // let the engine and the CPU settle, as between an agent's calls
  };
  await once(pool); // image label read: cold
  await sleep(50);
  await once(pool); // miss: warms the key
  for (let i = 0; i < n; i++) {
    await waitWarm();
    const before = pool.stats().totals.hits;
    warm.push(await once(pool));
    if (pool.stats().totals.hits !== before + 1) throw new Error('not a hit');
  }
  summary('warm claim (hit)', warm);
  // Back to back: no pause between tasks, so refills race the next task.
  let hits = pool.stats().totals.hits;
  const burst: number[] = [];
  for (let i = 0; i < n; i++) burst.push(await once(pool));
  summary(`back to back (${pool.stats().totals.hits - hits}/${n} hits)`, burst);
  await pool.close();
  console.log(JSON.stringify(pool.stats().totals));
} finally {
  await rm(dir, { recursive: true, force: true });
}
