// The benchmark (issue #5), run by `npm run bench [-- --quick] [--iterations N] [--out FILE]`.
// One process tree on one machine measures, side by side in one run, the same workload as:
//   floor  the raw Engine API sequence through dockerode (create, attach, start, wait, remove),
//          with the create body the worker sends (buildCreateOptions);
//   cli    `docker run --rm` with the same flags;
//   cold   ours: TaskService client → bin/orchestrator → bin/worker → container → result, over
//          the Unix socket;
//   warm   the same with the worker's warm pool on (`--warm-pool on`, when the worker has it).
// It also measures the worker's idle and peak RSS, its start-to-registered time, and 1 GiB of
// stdout through the whole path. Writes bench/results/latest.json and latest.md, prints the table.
// Targets are reported (pass/fail), never asserted.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Dockerode from 'dockerode';
import { loadWorkerConfig } from '../pkg/config/index.js';
import { LABELS, type ContainerSpec } from '../pkg/runtime/index.js';
import { benchContainerSpec } from './bench-container-spec.js';
import { binSupports, buildDist, startBenchOrchestrator, startBenchWorker, waitForRegistration, type BenchProcess } from './bench-processes.js';
import type { BenchMode, BenchResults, BenchRow, ModeHeadline, OutputMeasurement, WorkerMeasurement } from './bench-results.js';
import { BENCH_WORKLOADS, type BenchWorkload } from './bench-workloads.js';
import { createBenchTaskClient } from './create-bench-task-client.js';
import { createBenchWorkspace } from './create-bench-workspace.js';
import { createCliRunner } from './create-cli-runner.js';
import { createFloorRunner } from './create-floor-runner.js';
import { evaluateTargets } from './evaluate-targets.js';
import { formatResultsMarkdown } from './format-results-markdown.js';
import { percentile, ratio, summarizeLatencies } from './latency-summary.js';
import { collectMachineFacts } from './machine-facts.js';
import { availableMemoryMiB, measureOutputStream, outputNotMeasured, streamToolConfig } from './measure-output-stream.js';
import { readProcMemory } from './proc-memory.js';
import { removeBenchContainers } from './remove-bench-containers.js';
import { runAtConcurrency } from './run-at-concurrency.js';

const GiB = 1024 ** 3;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    iterations: { type: 'string' },
    out: { type: 'string', default: 'bench/results/latest.json' },
    'output-bytes': { type: 'string', default: String(GiB) },
    'skip-build': { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
const iterations = values.iterations === undefined ? (quick ? 10 : 50) : Number(values.iterations);
if (!Number.isSafeInteger(iterations) || iterations < 1) throw new Error(`--iterations must be a whole number ≥ 1, got ${values.iterations}`);
const outputBytes = Number(values['output-bytes']);
const jsonOut = values.out;
const mdOut = jsonOut.replace(/\.json$/, '') + '.md';
const CONCURRENCIES = [1, 4, 16] as const;
const MAX_CONCURRENCY = Math.max(...CONCURRENCIES);
const startupSamples = quick ? 3 : 5;
/** Every workload at every concurrency in a full run; --quick measures grep and list at concurrency 1 only. */
const concurrenciesFor = (workload: BenchWorkload): readonly number[] => (quick && workload.name !== 'file_read' ? [1] : CONCURRENCIES);
const countFor = (concurrency: number): number => Math.max(iterations, 2 * concurrency);
/** Think time between a lane's tasks in the warm cells. */
const WARM_THINK_MS = 400;
const warmupFor = (concurrency: number): number => Math.max(2, quick ? Math.min(concurrency, 8) : concurrency);
const cliWorkloads = (): readonly BenchWorkload[] => (quick ? BENCH_WORKLOADS.filter((w) => w.name === 'file_read') : BENCH_WORKLOADS);

const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

const runId = randomBytes(3).toString('hex');
/** Every worker name and container label of this run starts with it (the cleanup goes by it). */
const prefix = `bench-${runId}`;
const main = new AbortController();
const budget = AbortSignal.timeout(quick ? 175_000 : 60 * 60_000);
const signal = AbortSignal.any([main.signal, budget]);
// Every task in flight listens to it (up to 16 at a time, each through a few AbortSignal.any).
setMaxListeners(1000, main.signal, budget, signal);
const onSignal = (name: string): void => {
  log(`${name}: stopping, cleaning up`);
  main.abort(new Error(name));
};
process.once('SIGINT', () => onSignal('SIGINT'));
process.once('SIGTERM', () => onSignal('SIGTERM'));

const startedAt = performance.now();
const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });
const workerConfig = loadWorkerConfig({ argv: [], env: {}, homeDir: '/nonexistent', hostname: 'bench' });
const image = workerConfig.tools.image;
const notes: string[] = [];
const rows: Omit<BenchRow, 'ratioP50' | 'ratioP95' | 'ratioP99' | 'ratioTasksPerSec'>[] = [];
const processes = new Set<BenchProcess>();
const dir = await mkdtemp(join(tmpdir(), 'baaaht-bench-'));
const address = `unix://${dir}/grpc.sock`;
const client = createBenchTaskClient(address);
let failed: unknown;
let cliArgs: string[] = [];
let output: OutputMeasurement = outputNotMeasured('the run stopped before the stream measurement');
const worker: { -readonly [K in keyof WorkerMeasurement]: WorkerMeasurement[K] } = {
  idleRssMiB: null,
  idleAfterRunsRssMiB: null,
  peakRssMiB: null,
  warmIdleRssMiB: null,
  warmPeakRssMiB: null,
  startToRegisteredMs: null,
  startToRegisteredSamplesMs: [],
};
let warmAvailable = false;
let warmNote: string | undefined;
const machine = collectMachineFacts();

const startWorker = async (name: string, extraArgs: readonly string[] = []): Promise<BenchProcess> => {
  const proc = startBenchWorker({ address, dir, name, maxConcurrentTasks: MAX_CONCURRENCY, extraArgs });
  processes.add(proc);
  await waitForRegistration(client, proc, { signal });
  return proc;
};
const stopProcess = async (proc: BenchProcess): Promise<void> => {
  await proc.stop();
  processes.delete(proc);
};

/** One cell: a workload at one concurrency under one mode. */
const measure = async (
  workload: BenchWorkload,
  mode: BenchMode,
  concurrency: number,
  task: () => Promise<void>,
  pacing: { pauseMs?: number; settleMs?: number; hits?: () => number } = {},
): Promise<void> => {
  if (signal.aborted) return;
  const warmup = warmupFor(concurrency);
  const count = countFor(concurrency);
  let hitsBefore = 0;
  const run = await runAtConcurrency(task, {
    concurrency,
    count,
    warmup,
    signal,
    ...(pacing.pauseMs ? { pauseMs: pacing.pauseMs } : {}),
    ...(pacing.settleMs ? { settleMs: pacing.settleMs } : {}),
    onMeasuring: () => (hitsBefore = pacing.hits?.() ?? 0),
  });
  const summary = summarizeLatencies(run.latenciesMs, run.wallMs);
  rows.push({
    workload: workload.name,
    mode,
    concurrency,
    warmup,
    errors: run.errors,
    errorSamples: run.errorSamples,
    ...(pacing.hits ? { warmHits: pacing.hits() - hitsBefore } : {}),
    ...(pacing.pauseMs ? { pauseMs: pacing.pauseMs } : {}),
    ...summary,
  });
  const failures = run.errors > 0 ? `, ${run.errors} failed: ${run.errorSamples[0] ?? ''}` : '';
  log(`${workload.name} c=${concurrency} ${mode}: p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, ${summary.tasksPerSec} tasks/s (n=${summary.n}${failures})`);
};

try {
  // The executables run from dist/: build the tree as it is (tsc emits even when it reports errors).
  if (values['skip-build'] !== true) {
    log('building (tsc -p tsconfig.json)');
    const built = await buildDist(signal);
    if (!built.ok) {
      notes.push(`the build reported errors (dist/ was emitted anyway): ${built.summary}`);
      log(`the build reported errors, going on with what it emitted: ${built.summary}`);
    }
  }
  // Preflight: the engine, the image, the built executables.
  await (docker.ping as unknown as (options: object) => Promise<unknown>).call(docker, { abortSignal: AbortSignal.timeout(10_000) });
  await docker.getImage(image).inspect();
  warmAvailable = await binSupports('worker', '--warm-pool');
  const ws = await createBenchWorkspace(dir);
  const specs = new Map<string, ContainerSpec>();
  for (const workload of BENCH_WORKLOADS) specs.set(workload.name, await benchContainerSpec(workload.task, ws, `${prefix}-floor`, runId));
  const specOf = (workload: BenchWorkload): ContainerSpec => specs.get(workload.name)!;
  const floor = createFloorRunner(docker);
  const cli = createCliRunner();
  cliArgs = cli
    .argsFor(specOf(BENCH_WORKLOADS[0]!))
    .map((arg) => arg.replace(/^(io\.baaaht\.(task-id|deadline))=.*/, '$1=…').replace(/^baaaht-bench-[0-9a-f]+$/, 'baaaht-bench-…'));
  const cliSpec = (workload: BenchWorkload): ContainerSpec => ({
    ...specOf(workload),
    labels: { ...specOf(workload).labels, [LABELS.workerId]: `${prefix}-cli` },
  });
  /** Tasks that ran in a container the warm pool had started ahead (counted over warm-up and measured tasks). */
  let warmStarts = 0;
  const ours = (workload: BenchWorkload, workerName: string) => () =>
    client.runOk({ ...workload.task, mountSource: ws }, { worker: workerName, signal }).then((report) => {
      if (report.result.profile.includes(' start=warm')) warmStarts++;
    });

  const orchestrator = startBenchOrchestrator(address, dir);
  processes.add(orchestrator);

  const listening = AbortSignal.any([signal, AbortSignal.timeout(30_000)]);
  while ((await client.listWorkers(listening).then(() => false, () => true)) && !listening.aborted) {
    await sleep(20, undefined, { signal: listening }).catch(() => undefined);
  }
  if (listening.aborted) throw new Error(`the orchestrator did not answer within 30 s: ${orchestrator.proc.output().stderr.slice(-2000)}`);

  // Start to registered: spawn bin/worker, poll ListWorkers every 10 ms, stop it; the median.
  const startups: number[] = [];
  for (let i = 0; i < startupSamples && !signal.aborted; i++) {
    const proc = startBenchWorker({ address, dir, name: `${prefix}-start${i}`, maxConcurrentTasks: MAX_CONCURRENCY });
    processes.add(proc);
    startups.push(Math.round(await waitForRegistration(client, proc, { signal })));
    await stopProcess(proc);
  }
  worker.startToRegisteredSamplesMs = startups;
  worker.startToRegisteredMs = percentile([...startups].sort((a, b) => a - b), 50);
  log(`start → registered: ${startups.join(', ')} ms`);

  // Floor, CLI and cold, cell by cell next to each other; the cold worker runs all the while.
  const coldName = `${prefix}-cold`;
  const cold = await startWorker(coldName, warmAvailable ? ['--warm-pool', 'off'] : []);
  await sleep(1000, undefined, { signal });
  worker.idleRssMiB = readProcMemory(cold.pid)?.rssMiB ?? null;
  log(`cold worker idle RSS ${worker.idleRssMiB} MiB`);
  for (const workload of BENCH_WORKLOADS) {
    for (const concurrency of concurrenciesFor(workload)) {
      await measure(workload, 'floor', concurrency, () => floor.run(specOf(workload), signal).then(() => undefined));
      await measure(workload, 'cold', concurrency, ours(workload, coldName));
      if (concurrency === 1 && cliWorkloads().includes(workload)) {
        await measure(workload, 'cli', concurrency, () => cli.run(cliSpec(workload), signal).then(() => undefined));
      }
    }
  }
  await sleep(1000, undefined, { signal });
  const coldMemory = readProcMemory(cold.pid);
  worker.idleAfterRunsRssMiB = coldMemory?.rssMiB ?? null;
  worker.peakRssMiB = coldMemory?.hwmMiB ?? null;
  await stopProcess(cold);

  // Warm: a worker with the warm pool on.
  if (!warmAvailable) {
    warmNote = 'bin/worker has no --warm-pool option yet: warm not measured';
    notes.push(warmNote);
    log(warmNote);
  } else if (!signal.aborted) {
    const warmName = `${prefix}-warm`;
    // One warm container per lane, and an agent's think time between a lane's tasks: a refill
    // (a container start, about 0.2 s here) must fit between two calls for the next to find one.
    const warm = await startWorker(warmName, ['--warm-pool', 'on', '--warm-per-key', String(MAX_CONCURRENCY), '--warm-max', String(3 * MAX_CONCURRENCY)]);
    await sleep(2000, undefined, { signal }); // room for the pool to fill
    worker.warmIdleRssMiB = readProcMemory(warm.pid)?.rssMiB ?? null;
    notes.push(`warm cells: --warm-per-key ${MAX_CONCURRENCY}, a lane pauses ${WARM_THINK_MS} ms between its tasks (think time, not in the latency); warmHits counts the tasks that found a warm container`);
    for (const workload of BENCH_WORKLOADS) {
      for (const concurrency of concurrenciesFor(workload)) {
        await measure(workload, 'warm', concurrency, ours(workload, warmName), {
          pauseMs: WARM_THINK_MS,
          settleMs: 400 * concurrency,
          hits: () => warmStarts,
        });
      }
    }
    worker.warmPeakRssMiB = readProcMemory(warm.pid)?.hwmMiB ?? null;
    await stopProcess(warm);
  }

  // 1 GiB of stdout through the whole path, on a fresh worker with an output cap above it.
  if (!signal.aborted) {
    const configFile = join(dir, 'stream-tools.yaml');
    await writeFile(configFile, streamToolConfig(image));
    const workerOutputCap = '2GiB';
    const streamName = `${prefix}-stream`;
    const streamer = await startWorker(streamName, ['--config', configFile, '--output-cap', workerOutputCap, ...(warmAvailable ? ['--warm-pool', 'off'] : [])]);
    const safetyGrowthMiB = Math.round(Math.min(8192, availableMemoryMiB() / 2));
    log(`streaming ${outputBytes} bytes (safety limit: worker RSS growth ${safetyGrowthMiB} MiB)`);
    output = await measureOutputStream({
      client,
      worker: streamer,
      bytes: outputBytes,
      timeoutMs: quick ? 60_000 : 300_000,
      safetyGrowthMiB,
      workerOutputCap,
      signal,
    });
    log(`stream: ${output.receivedBytes} of ${output.requestedBytes} bytes at the client in ${output.elapsedMs} ms, ${output.state}; worker RSS growth ${output.rssGrowthMiB} MiB`);
    await stopProcess(streamer);
  }
  if (budget.aborted) notes.push(`the run hit its time budget: cells after that point are missing or short`);
} catch (error) {
  failed = error;
} finally {
  client.close();
  for (const proc of [...processes].reverse()) await proc.stop().catch((error: unknown) => log(`could not stop ${proc.name}: ${String(error)}`));
  const removed = await removeBenchContainers(docker, prefix).catch((error: unknown) => {
    log(`could not remove the bench's containers: ${String(error)}`);
    return 0;
  });
  if (removed > 0) log(`removed ${removed} container(s) left by the run`);
  if (failed !== undefined) {
    for (const name of ['orchestrator.log', `${prefix}-cold.log`, `${prefix}-warm.log`, `${prefix}-stream.log`]) {
      const text = await readFile(join(dir, name), 'utf8').catch(() => '');
      if (text) log(`last lines of ${name}:\n${text.trim().split('\n').slice(-15).join('\n')}`);
    }
  }
  await rm(dir, { recursive: true, force: true });
}

if (failed !== undefined) {
  log(`failed: ${failed instanceof Error ? (failed.stack ?? failed.message) : String(failed)}`);
  process.exitCode = 1;
} else {
  const floorOf = (row: (typeof rows)[number]) => rows.find((r) => r.mode === 'floor' && r.workload === row.workload && r.concurrency === row.concurrency);
  const fullRows: BenchRow[] = rows.map((row) => {
    const base = floorOf(row);
    return {
      ...row,
      ratioP50: ratio(row.p50Ms, base?.p50Ms),
      ratioP95: ratio(row.p95Ms, base?.p95Ms),
      ratioP99: ratio(row.p99Ms, base?.p99Ms),
      ratioTasksPerSec: ratio(row.tasksPerSec, base?.tasksPerSec),
    };
  });
  const headline = (mode: BenchMode, note?: string): ModeHeadline => {
    const at = (concurrency: number) => fullRows.find((r) => r.mode === mode && r.workload === 'file_read' && r.concurrency === concurrency);
    const one = at(1);
    return {
      p50Ms: one?.p50Ms ?? null,
      p95Ms: one?.p95Ms ?? null,
      p99Ms: one?.p99Ms ?? null,
      tasksPerSec: one?.tasksPerSec ?? null,
      tasksPerSecC4: at(4)?.tasksPerSec ?? null,
      n: one?.n ?? 0,
      ...(note ? { note } : {}),
    };
  };
  const floorHead = headline('floor');
  const cliHead = headline('cli', quick ? 'CLI is measured at concurrency 1 for file_read only in --quick' : 'CLI is measured at concurrency 1 only');
  const coldHead = headline('cold');
  const warmHead = headline('warm', warmNote);
  const ratios = {
    coldP50: ratio(coldHead.p50Ms, floorHead.p50Ms),
    coldP99: ratio(coldHead.p99Ms, floorHead.p99Ms),
    cliP50: ratio(cliHead.p50Ms, floorHead.p50Ms),
    warmP50: ratio(warmHead.p50Ms, floorHead.p50Ms),
    warmP99: ratio(warmHead.p99Ms, floorHead.p99Ms),
    coldTasksPerSecC4: ratio(coldHead.tasksPerSecC4, floorHead.tasksPerSecC4),
  };
  const argsText = process.argv.slice(2).join(' ');
  const command = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${argsText ? ` -- ${argsText}` : ''}` : `node --import tsx bench/bench.ts ${argsText}`.trim();
  notes.push(
    'Ratios divide the same percentile (p99 ÷ floor p99); the primary workload is file_read of 1 KiB at concurrency 1.',
    `Each cell discards its warm-up tasks (a first round at the same concurrency) and measures max(${iterations}, 2 × concurrency) tasks.`,
  );
  if (machine.loadAverage1m > 0.5) notes.push(`load average ${machine.loadAverage1m} at the start: the machine was not idle`);
  const results: BenchResults = {
    schema: 1,
    generatedAt: new Date().toISOString(),
    command,
    quick,
    iterations,
    durationMs: Math.round(performance.now() - startedAt),
    machine,
    floor: floorHead,
    cli: cliHead,
    cold: coldHead,
    warm: { ...warmHead, available: warmAvailable },
    ratios,
    output,
    worker,
    rows: fullRows,
    targets: evaluateTargets({ ratios, output, worker }),
    cliArgs,
    notes,
  };
  const markdown = formatResultsMarkdown(results);
  await mkdir(dirname(jsonOut), { recursive: true });
  await writeFile(jsonOut, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(mdOut, markdown);
  process.stdout.write(markdown);
  log(`wrote ${jsonOut} and ${mdOut} in ${Math.round(results.durationMs / 1000)} s`);
}
