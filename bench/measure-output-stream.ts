// The 1 GiB measurement: a tool writes N bytes of stdout, the bench's client counts what arrives,
// and the worker's RSS is watched the whole time.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskState } from '../pkg/gen/agent/v1/agent.js';
import type { OutputMeasurement } from './bench-results.js';
import type { BenchTaskClient } from './create-bench-task-client.js';
import { readProcMemory, resetPeakRss, startRssSampler } from './proc-memory.js';

const MiB = 1024 * 1024;

/** The custom tool the stream worker is configured with (`tools.custom`). */
export const STREAM_TOOL = 'bench_stream';

export function streamToolConfig(image: string): string {
  return [
    '# The bench\'s stream tool: N bytes of zeros on stdout, one full CPU.',
    'tools:',
    '  custom:',
    `    - name: ${STREAM_TOOL}`,
    '      description: writes this many zero bytes to stdout',
    `      image: ${image}`,
    "      command: [head, -c, '{bytes}', /dev/zero]",
    '      params:',
    '        bytes: { type: integer, required: true, min: 0, max: 4294967296 }',
    '      network: none',
    '      cpus: 1',
    '      timeout: 600s',
    '',
  ].join('\n');
}

export interface OutputStreamOptions {
  readonly client: BenchTaskClient;
  readonly worker: { readonly name: string; readonly pid: number };
  readonly bytes: number;
  /** The stream is cancelled after this long. */
  readonly timeoutMs: number;
  /** The stream is cancelled when the worker's RSS grows by more than this (the machine is shared). */
  readonly safetyGrowthMiB: number;
  readonly workerOutputCap: string;
  readonly signal: AbortSignal;
}

/** MemAvailable of this machine in MiB. */
export function availableMemoryMiB(): number {
  const match = /^MemAvailable:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** The stream's keys when it was not measured (all numbers null), saying why. */
export function outputNotMeasured(why: string): OutputMeasurement {
  return {
    requestedBytes: 0,
    receivedBytes: 0,
    resultStdoutBytes: 0,
    stdoutTruncated: false,
    complete: false,
    taskCompleted: false,
    state: 'NOT_MEASURED',
    elapsedMs: 0,
    firstOutputMs: null,
    mibPerSec: null,
    workerMibPerSec: null,
    idleRssMiB: null,
    peakRssMiB: null,
    rssGrowthMiB: null,
    peakReset: false,
    workerOutputCap: '',
    notes: [why],
  };
}

export async function measureOutputStream(options: OutputStreamOptions): Promise<OutputMeasurement> {
  const { client, worker, bytes } = options;
  const notes: string[] = [];
  const task = (n: number) => ({ toolType: STREAM_TOOL, params: { $case: 'custom' as const, custom: { values: { bytes: String(n) } } } });
  // Warm-up: the first task loads code paths; the idle figure is taken after it settles.
  await client.runOk(task(MiB), { worker: worker.name, signal: options.signal });
  await sleep(1000, undefined, { signal: options.signal });
  const peakReset = resetPeakRss(worker.pid);
  if (!peakReset) notes.push('VmHWM could not be reset: the peak includes everything before the stream');
  const idleRssMiB = readProcMemory(worker.pid)?.rssMiB ?? null;

  const stop = new AbortController();
  let abortedBecause: string | undefined;
  const sampler = startRssSampler(worker.pid, 20);
  const guard = setInterval(() => {
    const now = readProcMemory(worker.pid)?.rssMiB;
    if (now !== undefined && idleRssMiB !== null && now - idleRssMiB > options.safetyGrowthMiB && !stop.signal.aborted) {
      abortedBecause = `worker RSS grew past the bench's safety limit of ${options.safetyGrowthMiB} MiB`;
      stop.abort(new Error(abortedBecause));
    }
  }, 100);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let receivedBytes = 0;
  const started = performance.now();
  let report: Awaited<ReturnType<BenchTaskClient['run']>> | undefined;
  let failure: string | undefined;
  try {
    report = await client.run(task(bytes), {
      worker: worker.name,
      signal: AbortSignal.any([options.signal, stop.signal, timeout]),
      onOutput: (n) => (receivedBytes += n),
    });
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  } finally {
    clearInterval(guard);
  }
  if (timeout.aborted) abortedBecause ??= `not finished within ${options.timeoutMs} ms`;
  const elapsedMs = performance.now() - started;
  const memory = sampler.stop();
  const peakRssMiB = Math.max(memory.hwmMiB, memory.maxRssMiB);
  const result = report?.result;
  const taskCompleted = result?.state === TaskState.TASK_STATE_COMPLETED;
  if (failure) notes.push(`the stream call failed: ${failure}`);
  if (result && result.stdoutTruncated) notes.push('the result says stdout was truncated (an output cap on the path)');
  const round = (value: number): number => Math.round(value * 10) / 10;
  return {
    requestedBytes: bytes,
    receivedBytes,
    resultStdoutBytes: result?.stdout.length ?? 0,
    stdoutTruncated: result?.stdoutTruncated ?? false,
    complete: receivedBytes === bytes,
    taskCompleted,
    state: result ? TaskState[result.state] : 'NO_RESULT',
    elapsedMs: Math.round(elapsedMs),
    firstOutputMs: report?.firstOutputMs === null || report === undefined ? null : Math.round(report.firstOutputMs),
    mibPerSec: round(receivedBytes / MiB / (elapsedMs / 1000)),
    workerMibPerSec: taskCompleted ? round(bytes / MiB / (elapsedMs / 1000)) : null,
    idleRssMiB,
    peakRssMiB,
    rssGrowthMiB: idleRssMiB === null ? null : round(peakRssMiB - idleRssMiB),
    peakReset,
    workerOutputCap: options.workerOutputCap,
    ...(abortedBecause ? { abortedBecause } : {}),
    notes,
  };
}
