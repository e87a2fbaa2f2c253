// Soak: many tasks through the real loop (bin/orchestrator, bin/worker, containers) at a fixed
// concurrency with random cancels; checks that nothing is lost, duplicated or left behind, and
// samples the worker's RSS. Not a test: run with `npm run bench:soak [-- --tasks N --concurrency C]`.
// With `--faults`: the fault soak of #13 (soak-faults.ts): a worker kill, an orchestrator kill
// and an engine restart inside the run, counting lost tasks, false successes and double runs.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, chown, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'nice-grpc';
import { Task, TaskServiceDefinition, TaskState } from '../pkg/gen/agent/v1/agent.js';
import { createGrpcChannel } from '../pkg/rpc/create-channel.js';
import { startBin, waitUntil } from '../test/support/processes.js';
import { runFaultSoak } from './soak-faults.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    'cancel-ratio': { type: 'string', default: '0.1' },
    quick: { type: 'boolean', default: false },
    faults: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const total = values.quick ? 100 : Number(values.tasks);
const concurrency = Number(values.concurrency);
const cancelRatio = Number(values['cancel-ratio']);

if (values.faults) {
  const dir = await mkdtemp(join(tmpdir(), 'baaaht-soak-faults-'));
  const ok = await runFaultSoak({ tasks: total, concurrency, dir, out: values.out ?? 'bench/results/soak-faults.json' });
  process.exit(ok ? 0 : 1);
}

function rssMiB(pid: number): number {
  const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
  return Math.round((kb / 1024) * 10) / 10;
}

function managedContainers(): number {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', 'label=io.baaaht.managed-by=baaaht-worker'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).length;
}

const dir = await mkdtemp(join(tmpdir(), 'baaaht-soak-'));
const ws = join(dir, 'ws');
await mkdir(ws);
await writeFile(join(ws, 'hello.txt'), 'soak\n'.repeat(200));
await chown(ws, 1000, 1000);
await chown(join(ws, 'hello.txt'), 1000, 1000);
const addr = `unix://${dir}/grpc.sock`;
const orchestrator = startBin('orchestrator', ['--listen', addr, '--data-dir', join(dir, 'data'), '--log-output', join(dir, 'orchestrator.log')]);
const worker = startBin('worker', [
  '--orchestrator-addr', addr, '--name', 'soak-worker', '--max-concurrent-tasks', String(concurrency),
  '--work-dir', join(dir, 'work'), '--config', 'test/fixtures/fault-tools.yaml', '--log-output', join(dir, 'worker.log'),
]);
const channel = createGrpcChannel(addr, { maxRecvMsgSize: 64 << 20, maxSendMsgSize: 64 << 20 });
const client = createClient(TaskServiceDefinition, channel);
try {
  await waitUntil(
    async () => (await client.listWorkers({}).catch(() => ({ workers: [] }))).workers.some((w) => w.name === 'soak-worker' && w.connected),
    30_000,
    'worker registration',
  );
  const idleRss = rssMiB(worker.child.pid!);
  const results = new Map<string, number>();
  const states = new Map<string, string>();
  const rss: number[] = [];
  let next = 0;
  let cancelsSent = 0;
  const started = Date.now();
  const one = async (i: number): Promise<void> => {
    const cancel = Math.random() < cancelRatio;
    const task = cancel
      ? Task.fromPartial({ toolType: 'sleeper', params: { $case: 'custom', custom: { values: { seconds: '5' } } } })
      : Task.fromPartial({ toolType: 'file_read', mountSource: ws, params: { $case: 'fileRead', fileRead: { path: 'hello.txt' } } });
    let taskId = '';
    for await (const event of client.runTask({ task })) {
      if (event.event?.$case === 'submitted') {
        taskId = event.taskId;
        if (cancel) {
          setTimeout(() => {
            cancelsSent++;
            void client.cancelTask({ taskId, force: Math.random() < 0.5 });
          }, Math.random() * 1500);
        }
      }
      if (event.event?.$case === 'result') {
        results.set(event.taskId, (results.get(event.taskId) ?? 0) + 1);
        states.set(event.taskId, TaskState[event.event.result.state]);
      }
    }
    if (i % 50 === 0) rss.push(rssMiB(worker.child.pid!));
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await one(next++);
    }),
  );
  const elapsedMs = Date.now() - started;
  await new Promise((r) => setTimeout(r, 1000));
  const byState: Record<string, number> = {};
  for (const s of states.values()) byState[s] = (byState[s] ?? 0) + 1;
  let notFinished = 0;
  for (const taskId of results.keys()) {
    const got = await client.getTask({ taskId });
    if (!got.result) notFinished++;
  }
  const report = {
    tasks: total,
    concurrency,
    cancelsSent,
    resultsReceived: results.size,
    lost: total - results.size + notFinished,
    duplicated: [...results.values()].filter((n) => n > 1).length,
    containersLeft: managedContainers(),
    byState,
    elapsedMs,
    tasksPerSecond: Math.round((total / elapsedMs) * 1000 * 10) / 10,
    workerRssMiB: { idle: idleRss, samples: rss, end: rssMiB(worker.child.pid!) },
  };
  await writeFile(values.out ?? 'bench/results/soak.json', `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  if (report.lost || report.duplicated || report.containersLeft) process.exitCode = 1;
} finally {
  channel.close();
  await worker.stop('SIGTERM');
  await orchestrator.stop('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
