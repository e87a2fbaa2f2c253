// Starts the project's real executables (bin/*, built by `npm run build`) as child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ROOT } from './examples.js';
import { TEST_WORKER_ENV } from './mount-roots.js';

export { ROOT };

export interface Proc {
  readonly child: ChildProcess;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `prefix`: a command that runs the bin, e.g. `['ip', 'netns', 'exec', 'ns1']` (it must exec it, so that signals reach the bin). */
export function startBin(name: 'worker' | 'orchestrator' | 'task', args: readonly string[], input?: Buffer, prefix: readonly string[] = []): Proc {
  const command = [...prefix, process.execPath, join(ROOT, 'bin', name), ...args];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { ...TEST_WORKER_ENV, ...process.env, ORCHESTRATOR_URL: '', HOME: '/nonexistent' },
    stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (input) child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    stdout,
    stderr,
  }));
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return (await exited).code;
    },
  };
}

/** Runs a bin to its end. */
export function runBin(name: 'worker' | 'orchestrator' | 'task', args: readonly string[]): Proc['exited'] {
  return startBin(name, args).exited;
}

export async function waitUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
