// The fault soak (#13): mixed tasks through the real processes while the worker is killed -9,
// the orchestrator is killed -9 and the Docker engine is restarted, each once, at a quarter, a
// half and three quarters of the run. Each side-effect task appends its own marker to a ledger
// file in its workspace, so the ledger says how often each one really ran. Reports lost tasks
// (no final result), false successes (COMPLETED, marker absent), side effects that ran twice,
// and containers left behind. Not a test: `npm run bench:soak -- --faults [--tasks N]`.
import { execFileSync } from 'node:child_process';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient, type Channel } from 'nice-grpc';
import { Task, TaskServiceDefinition, TaskState, type TaskServiceClient } from '../pkg/gen/agent/v1/agent.js';
import { createGrpcChannel } from '../pkg/rpc/create-channel.js';
import { startBin, waitUntil, type Proc } from '../test/support/processes.js';

const TOOLS = `tools:
  custom:
    - name: ledger
      description: appends its marker to /workspace/ledger after a short pause
      image: baaaht/tools:0.1.0
      command: [sh, -c, 'sleep "$2"; echo "$1" >> /workspace/ledger', sh, "{marker}", "{pause}"]
      params:
        marker: { type: string, required: true }
        pause: { type: string, required: true }
      mount: write
      timeout: 60s
`;

export interface FaultSoakOptions {
  readonly tasks: number;
  readonly concurrency: number;
  readonly dir: string;
  readonly out: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function managedContainers(): number {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', 'label=io.baaaht.managed-by=baaaht-worker'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).length;
}

function restartEngine(): void {
  const pid = execFileSync('pidof', ['dockerd'], { encoding: 'utf8' }).trim().split(/\s+/)[0];
  if (pid) execFileSync('kill', ['-TERM', pid]);
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('pidof', ['dockerd']);
      execFileSync('sleep', ['0.2']);
    } catch {
      break; // gone
    }
  }
  execFileSync('bash', ['scripts/ensure-docker.sh'], { stdio: 'ignore' });
}

export async function runFaultSoak(options: FaultSoakOptions): Promise<boolean> {
  const { dir } = options;
  const ws = join(dir, 'ws');
  await mkdir(ws, { recursive: true });
  await writeFile(join(ws, 'hello.txt'), 'soak\n');
  await writeFile(join(ws, 'ledger'), '');
  for (const path of [ws, join(ws, 'hello.txt'), join(ws, 'ledger')]) await chown(path, 1000, 1000);
  await writeFile(join(dir, 'tools.yaml'), TOOLS);
  const addr = `unix://${dir}/grpc.sock`;
  const startOrchestrator = (): Proc =>
    startBin('orchestrator', ['--listen', addr, '--data-dir', join(dir, 'data'), '--worker-timeout', '10s', '--log-output', join(dir, 'orchestrator.log')]);
  const startWorker = (): Proc =>
    startBin('worker', [
      '--orchestrator-addr', addr, '--name', 'soak-worker', '--max-concurrent-tasks', String(options.concurrency),
      '--work-dir', join(dir, 'work'), '--config', join(dir, 'tools.yaml'), '--reconnect-interval', '200ms',
      '--reconnect-max-interval', '2s', '--log-output', join(dir, 'worker.log'),
    ]);
  let orchestrator = startOrchestrator();
  let worker = startWorker();
  const channel: Channel = createGrpcChannel(addr, { maxRecvMsgSize: 64 << 20, maxSendMsgSize: 64 << 20 });
  const client: TaskServiceClient = createClient(TaskServiceDefinition, channel);
  const faults: string[] = [];
  try {
    await waitUntil(async () => (await client.listWorkers({}).catch(() => ({ workers: [] }))).workers.some((w) => w.connected), 30_000, 'worker');
    const submitted = new Map<string, { marker: string | undefined }>();
    let next = 0;
    const started = Date.now();
    const submitOne = async (i: number): Promise<void> => {
      const sideEffect = i % 2 === 0;
      const marker = sideEffect ? `m${i}` : undefined;
      const task = sideEffect
        ? Task.fromPartial({ toolType: 'ledger', mountSource: ws, writable: true, params: { $case: 'custom', custom: { values: { marker: marker!, pause: '0.5' } } } })
        : Task.fromPartial({ toolType: 'file_read', mountSource: ws, params: { $case: 'fileRead', fileRead: { path: 'hello.txt' } } });
      for (;;) {
        try {
          const { taskId } = await client.submitTask({ task, idempotencyKey: `soak-${i}` });
          submitted.set(taskId, { marker });
          return;
        } catch {
          await sleep(500); // the orchestrator is down: try again (same key: never two tasks)
        }
      }
    };
    const inject = async (): Promise<void> => {
      const at = (share: number) => waitUntil(() => next >= options.tasks * share, 3_600_000, `${share} submitted`);
      await at(0.25);
      faults.push(`worker killed at task ${next}`);
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = startWorker();
      await at(0.5);
      faults.push(`orchestrator killed at task ${next}`);
      orchestrator.child.kill('SIGKILL');
      await orchestrator.exited;
      orchestrator = startOrchestrator();
      await at(0.75);
      faults.push(`engine restarted at task ${next}`);
      restartEngine();
    };
    const injecting = inject();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.tasks) {
          await submitOne(next++);
          await sleep(50);
        }
      }),
    );
    await injecting;
    // Wait for every task to end (polling survives the orchestrator's restart).
    const results = new Map<string, TaskState>();
    const deadline = Date.now() + 15 * 60_000;
    while (results.size < submitted.size && Date.now() < deadline) {
      for (const taskId of submitted.keys()) {
        if (results.has(taskId)) continue;
        const got = await client.getTask({ taskId }).catch(() => undefined);
        if (got?.result) results.set(taskId, got.result.state);
      }
      await sleep(1000);
    }
    const ledger = (await readFile(join(ws, 'ledger'), 'utf8')).split('\n').filter(Boolean);
    const runs = new Map<string, number>();
    for (const line of ledger) runs.set(line, (runs.get(line) ?? 0) + 1);
    let falseSuccess = 0;
    let ranTwice = 0;
    const byState: Record<string, number> = {};
    for (const [taskId, { marker }] of submitted) {
      const state = results.get(taskId);
      const name = state === undefined ? 'LOST' : TaskState[state];
      byState[name] = (byState[name] ?? 0) + 1;
      if (marker === undefined) continue;
      const count = runs.get(marker) ?? 0;
      if (state === TaskState.TASK_STATE_COMPLETED && count === 0) falseSuccess++;
      if (count > 1) ranTwice++;
    }
    await sleep(2000);
    const report = {
      tasks: options.tasks,
      submitted: submitted.size,
      faults,
      lost: submitted.size - results.size + (options.tasks - submitted.size),
      falseSuccess,
      sideEffectsRanTwice: ranTwice,
      containersLeft: managedContainers(),
      byState,
      elapsedMs: Date.now() - started,
    };
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
    return report.lost === 0 && report.falseSuccess === 0 && report.containersLeft === 0;
  } finally {
    channel.close();
    await worker.stop('SIGTERM');
    await orchestrator.stop('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}
