// The real executables as the bench runs them: bin/orchestrator and bin/worker, child processes
// of the bench, logging to files in the bench's temporary directory.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startBin, ROOT, type Proc } from '../test/support/processes.js';
import type { BenchTaskClient } from './create-bench-task-client.js';

const execFileAsync = promisify(execFile);

export interface BenchProcess {
  readonly name: string;
  readonly proc: Proc;
  readonly pid: number;
  /** performance.now() just before the spawn. */
  readonly spawnedAt: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

function track(name: string, proc: Proc, spawnedAt: number): BenchProcess {
  const pid = proc.child.pid;
  if (pid === undefined) throw new Error(`${name} did not start`);
  return {
    name,
    proc,
    pid,
    spawnedAt,
    async stop(graceMs = 10_000) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
      proc.child.kill('SIGTERM');
      const killed = new AbortController();
      const exited = proc.exited.then(() => true);
      const late = await Promise.race([exited, sleep(graceMs, false, { signal: killed.signal }).catch(() => true)]);
      killed.abort();
      if (!late) {
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
    },
  };
}

export function startBenchOrchestrator(address: string, dir: string): BenchProcess {
  const spawnedAt = performance.now();
  const proc = startBin('orchestrator', ['--listen', address, '--data-dir', join(dir, 'orchestrator-data'), '--log-output', join(dir, 'orchestrator.log')]);
  return track('orchestrator', proc, spawnedAt);
}

export interface BenchWorkerOptions {
  readonly address: string;
  readonly dir: string;
  readonly name: string;
  readonly maxConcurrentTasks: number;
  readonly extraArgs?: readonly string[];
}

export function startBenchWorker(options: BenchWorkerOptions): BenchProcess {
  const { address, dir, name } = options;
  const args = [
    '--orchestrator-addr', address,
    '--name', name,
    '--max-concurrent-tasks', String(options.maxConcurrentTasks),
    '--work-dir', join(dir, `${name}-work`),
    '--log-output', join(dir, `${name}.log`),
    '--shutdown-timeout', '5s',
    ...(options.extraArgs ?? []),
  ];
  const spawnedAt = performance.now();
  const proc = startBin('worker', args);
  return track(name, proc, spawnedAt);
}

/**
 * Polls ListWorkers every `intervalMs` until `worker` is listed as connected, and returns the
 * time from its spawn to that answer (ms). Fails when the process exits or `timeoutMs` passes.
 */
export async function waitForRegistration(
  client: BenchTaskClient,
  worker: BenchProcess,
  { intervalMs = 10, timeoutMs = 30_000, signal }: { intervalMs?: number; timeoutMs?: number; signal: AbortSignal },
): Promise<number> {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  for (;;) {
    if (worker.proc.child.exitCode !== null) {
      throw new Error(`worker ${worker.name} exited ${worker.proc.child.exitCode} before registering: ${worker.proc.output().stderr.slice(-2000)}`);
    }
    const workers = await client.listWorkers(deadline).catch(() => []);
    if (workers.some((w) => w.name === worker.name && w.connected)) return performance.now() - worker.spawnedAt;
    if (deadline.aborted) throw new Error(`worker ${worker.name} not registered within ${timeoutMs} ms`);
    await sleep(intervalMs, undefined, { signal: deadline }).catch(() => undefined);
  }
}

/** Whether bin/<name> --help lists `flag` (e.g. `--warm-pool`): options other people are adding. */
export async function binSupports(name: 'worker' | 'orchestrator', flag: string): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [join(ROOT, 'bin', name), '--help'], { cwd: ROOT, timeout: 20_000, env: { ...process.env, HOME: '/nonexistent' } });
    return new RegExp(`(^|\\s)${flag.replace(/[-]/g, '\\-')}(\\s|=|,|$)`, 'm').test(stdout);
  } catch {
    return false;
  }
}

/** `tsc -p tsconfig.json` in the project: whether it passed, and its first error lines. */
export async function buildDist(signal: AbortSignal): Promise<{ ok: boolean; summary: string }> {
  try {
    await execFileAsync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: ROOT,
      signal: AbortSignal.any([signal, AbortSignal.timeout(300_000)]),
    });
    return { ok: true, summary: '' };
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout ?? String(error);
    return { ok: false, summary: stdout.trim().split('\n').slice(0, 3).join(' ') };
  }
}
