// Streams N bytes container → worker → orchestrator → client through the real executables
// (bin/worker and bin/orchestrator as processes, built by `npm run build`) and measures it:
// bytes received, MiB/s end to end, and each process's RSS before and during the run.
// Used by test/e2e/streaming.test.ts; the benchmark (bench/) may import measureStream too.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'nice-grpc';
import { TaskServiceDefinition, type TaskResult } from '../../pkg/gen/agent/v1/agent.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { ROOT, startBin, waitUntil, type Proc } from './processes.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const STREAM_TOOLS = join(ROOT, 'test/fixtures/stream-tools.yaml');

export interface RssSample {
  /** VmRSS after start, before the task. */
  readonly baselineBytes: number;
  /** Highest VmRSS seen while the task ran (sampled every 50 ms) and VmHWM at the end. */
  readonly peakBytes: number;
  readonly hwmBytes: number;
  /** max(peak, VmHWM) − baseline. */
  readonly growthBytes: number;
}

export interface StreamMeasurement {
  /** Output bytes the client received (stdout + stderr). */
  readonly receivedBytes: number;
  readonly seconds: number;
  readonly mibPerSecond: number;
  readonly worker: RssSample;
  readonly orchestrator: RssSample;
  readonly result: TaskResult;
  /** One line for a log. */
  readonly summary: string;
}

export interface StreamOptions {
  /** Bytes the tool writes to stdout. */
  readonly bytes: number;
  /** Wait this long after each output event the client receives (a slow client). Default 0. */
  readonly readDelayMs?: number;
  /** Worker --output-cap. Default 2GiB. */
  readonly outputCap?: string;
  readonly extraWorkerArgs?: readonly string[];
  readonly extraOrchestratorArgs?: readonly string[];
}

async function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

function watch(pid: number): { baseline: Promise<number>; stop(): Promise<RssSample> } {
  let peak = 0;
  let baselineBytes = 0;
  const baseline = memory(pid).then((m) => (baselineBytes = peak = m.rss));
  const timer = setInterval(() => {
    memory(pid).then((m) => (peak = Math.max(peak, m.rss)), () => undefined);
  }, 50);
  return {
    baseline,
    async stop() {
      clearInterval(timer);
      const end = await memory(pid);
      const peakBytes = Math.max(peak, end.rss);
      return { baselineBytes, peakBytes, hwmBytes: end.hwm, growthBytes: Math.max(peakBytes, end.hwm) - baselineBytes };
    },
  };
}

const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

/**
 * Starts an orchestrator and a worker (`--output-cap 2GiB`, the stream_zero tool), waits until
 * the worker registered and settled, runs `stream_zero bytes=N` with RunTask from this process,
 * counts what arrives, and stops both processes. The worker's RSS baseline is taken after
 * registration; VmHWM counts from the process start, so a startup peak above the run's own
 * peak shows in growthBytes too (it is an upper bound).
 */
export async function measureStream(options: StreamOptions): Promise<StreamMeasurement> {
  const dir = await mkdtemp('/tmp/bstream-');
  const addr = `unix://${dir}/grpc.sock`;
  const procs: Proc[] = [];
  const channel = createGrpcChannel(addr, { maxRecvMsgSize: 64 * MiB, maxSendMsgSize: 4 * MiB });
  try {
    const orchestrator = startBin('orchestrator', ['--listen', addr, '--data-dir', ':memory:', '--log-level', 'warn', ...(options.extraOrchestratorArgs ?? [])]);
    procs.push(orchestrator);
    await waitUntil(async () => (await readFile(`${dir}/grpc.sock`).catch((e: NodeJS.ErrnoException) => e.code)) !== 'ENOENT', 15_000, 'the orchestrator listens');
    const worker = startBin('worker', [
      '--orchestrator-addr', addr, '--name', 'stream-worker', '--config', STREAM_TOOLS, '--work-dir', join(dir, 'work'),
      '--output-cap', options.outputCap ?? '2GiB', '--log-level', 'warn', ...(options.extraWorkerArgs ?? []),
    ]);
    procs.push(worker);
    const tasks = createClient(TaskServiceDefinition, channel);
    await waitUntil(async () => (await tasks.listWorkers({})).workers.some((w) => w.name === 'stream-worker' && w.connected), 30_000, 'the worker registered');
    await sleep(1000);
    const workerRss = watch(worker.child.pid!);
    const orchestratorRss = watch(orchestrator.child.pid!);
    await Promise.all([workerRss.baseline, orchestratorRss.baseline]);
    let receivedBytes = 0;
    let result: TaskResult | undefined;
    const started = performance.now();
    const call = tasks.runTask({
      task: { toolType: 'stream_zero', mountSource: '', writable: false, timeoutMs: 0, sessionId: '', params: { $case: 'custom', custom: { values: { bytes: String(options.bytes) } } } },
      worker: '',
    });
    try {
      for await (const event of call) {
        const e = event.event;
        if (e?.$case === 'output') {
          receivedBytes += e.output.data.length;
          if (options.readDelayMs) await sleep(options.readDelayMs);
        } else if (e?.$case === 'result') {
          result = e.result;
        }
      }
    } finally {
      var workerSample = await workerRss.stop();
      var orchestratorSample = await orchestratorRss.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    if (result === undefined) throw new Error(`no result; worker output:\n${worker.output().stdout}${worker.output().stderr}`);
    const mibPerSecond = receivedBytes / MiB / seconds;
    const summary =
      `${mib(receivedBytes)} MiB in ${seconds.toFixed(2)} s = ${mibPerSecond.toFixed(0)} MiB/s; ` +
      `worker RSS ${mib(workerSample.baselineBytes)} → peak ${mib(workerSample.peakBytes)} MiB (VmHWM ${mib(workerSample.hwmBytes)}, +${mib(workerSample.growthBytes)}); ` +
      `orchestrator RSS ${mib(orchestratorSample.baselineBytes)} → peak ${mib(orchestratorSample.peakBytes)} MiB (+${mib(orchestratorSample.growthBytes)}); ` +
      `attempt ${result.attempt}` +
      // What the processes warned about (they log at warn): the explanation of a number out of bounds.
      said('worker', worker) +
      said('orchestrator', orchestrator);
    return { receivedBytes, seconds, mibPerSecond, worker: workerSample, orchestrator: orchestratorSample, result, summary };
  } finally {
    channel.close();
    for (const p of procs.reverse()) await p.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

/** `; worker said: …` with the last warnings and errors a process logged, or nothing. */
function said(name: string, proc: Proc): string {
  const { stdout, stderr } = proc.output();
  const lines = `${stdout}\n${stderr}`.split('\n').filter((line) => line.trim() !== '');
  return lines.length === 0 ? '' : `; ${name} said: ${lines.slice(-8).join(' | ')}`;
}
