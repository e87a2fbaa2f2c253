// The worker's work dir on a real, small tmpfs that the test fills (issue #13, section 4): a full
// disk degrades the worker, it does not swallow tasks. Runs as root (mount), against real Docker.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { Task, TaskState, type OrchestratorMessage, type TaskResult, type WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createWorker, type WorkerParts } from '../../pkg/worker/index.js';
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import { silentLogger, startScriptedOrchestrator, waitFor, type ScriptedOrchestrator } from '../rpc/harness.js';

/** Tools of these tests: output that comes over time (as a real tool's does), and a quick one. */
const TOOLS_YAML = `tools:
  custom:
    - name: trickle
      description: writes this many 64 KiB pieces to stdout, 20 ms apart
      image: baaaht/tools:0.1.0
      command: [sh, -c, 'i=0; while [ $i -lt "$1" ]; do head -c 65536 /dev/zero | tr "\\\\0" a; sleep 0.02; i=$((i+1)); done', sh, '{pieces}']
      params:
        pieces: { type: integer, required: true, min: 0, max: 1000 }
      network: none
    - name: exit_with
      description: prints to both streams and exits with this code
      image: baaaht/tools:0.1.0
      command: [sh, -c, 'echo out; echo err >&2; exit "$1"', sh, '{code}']
      params:
        code: { type: integer, required: true, min: 0, max: 255 }
      network: none
`;

/** A tmpfs of `size` mounted on a new directory; `fill` leaves about `leaveBytes` free, `unfill` frees it again. */
interface SmallDisk {
  readonly dir: string;
  fill(leaveBytes?: number): Promise<void>;
  unfill(): Promise<void>;
  free(): Promise<number>;
  close(): Promise<void>;
}

async function mountSmallDisk(size = '4m'): Promise<SmallDisk> {
  const dir = await mkdtemp(join(tmpdir(), 'baaaht-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  const free = async (): Promise<number> => {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  };
  let fills = 0;
  return {
    dir,
    free,
    async fill(leaveBytes = 0) {
      const bytes = (await free()) - leaveBytes;
      if (bytes <= 0) return;
      // fallocate reserves the pages at once; a last few bytes may stay free, dd takes them.
      execFileSync('fallocate', ['-l', String(bytes), join(dir, `fill-${++fills}`)]);
      if (leaveBytes === 0) execFileSync('sh', ['-c', `dd if=/dev/zero of=${join(dir, `fill-${++fills}`)} bs=4k 2>/dev/null || true`]);
    },
    async unfill() {
      for (let i = 1; i <= fills; i++) await rm(join(dir, `fill-${i}`), { force: true });
      fills = 0;
    },
    async close() {
      execFileSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface Setup {
  readonly disk: SmallDisk;
  readonly orchestrator: ScriptedOrchestrator;
  readonly worker: WorkerParts;
  readonly results: Map<string, WorkerMessage>;
  readonly output: Map<string, number>;
  assign(taskId: string, task: Task): void;
  result(taskId: string, timeoutMs?: number): Promise<TaskResult>;
  readyz(): Promise<{ status: number; body: string }>;
}

const setups: Array<() => Promise<void>> = [];

async function setUp(argv: readonly string[] = [], options: { readonly auditOnDisk?: boolean } = {}): Promise<Setup> {
  const disk = await mountSmallDisk();
  const elsewhere = await mkdtemp(join(tmpdir(), 'baaaht-disk-audit-'));
  await writeFile(join(elsewhere, 'tools.yaml'), TOOLS_YAML);
  const results = new Map<string, WorkerMessage>();
  const output = new Map<string, number>();
  const orchestrator = await startScriptedOrchestrator({
    onMessage: (message, stream) => {
      const event = message.event;
      if (event?.$case === 'output') output.set(message.taskId, (output.get(message.taskId) ?? 0) + event.output.data.length);
      if (event?.$case === 'completed') {
        results.set(message.taskId, message);
        stream.send({ taskId: message.taskId, command: { $case: 'ack', ack: { leaseEpoch: message.leaseEpoch, accepted: true } } });
      }
    },
  });
  const config = loadWorkerConfig({
    argv: [
      '--orchestrator-addr', orchestrator.address,
      '--name', 'disk-worker',
      '--config', join(elsewhere, 'tools.yaml'),
      '--work-dir', disk.dir,
      '--mount-pin-dir', join(elsewhere, 'pins'),
      '--metrics-addr', '127.0.0.1:0',
      '--result-memory', '64KiB',
      '--shutdown-timeout', '1s',
      ...(options.auditOnDisk === true ? [] : ['--audit-log', join(elsewhere, 'audit.log')]),
      ...argv,
    ],
    env: TEST_WORKER_ENV,
    homeDir: '/nonexistent',
    hostname: 'disk',
  });
  const worker = await createWorker(config, silentLogger(), { tools: createBuiltinToolRegistry(config.tools), version: 'test', hostname: 'disk' });
  await worker.agent.start();
  await waitFor(() => orchestrator.streams.length > 0, 10_000);
  setups.push(async () => {
    await worker.agent.shutdown('test over');
    await worker.audit.close().catch(() => undefined);
    await orchestrator.close();
    await disk.close();
    await rm(elsewhere, { recursive: true, force: true });
  });
  return {
    disk,
    orchestrator,
    worker,
    results,
    output,
    assign(taskId, task) {
      const message: OrchestratorMessage = { taskId, command: { $case: 'assign', assign: { task, leaseEpoch: 1, attempt: 1 } } };
      orchestrator.streams.at(-1)!.send(message);
    },
    async result(taskId, timeoutMs = 30_000) {
      const message = await waitFor(() => results.get(taskId), timeoutMs);
      assert.equal(message.event?.$case, 'completed');
      return message.event.completed;
    },
    async readyz() {
      const response = await fetch(`http://${worker.metricsServer!.address}/readyz`);
      return { status: response.status, body: await response.text() };
    },
  };
}

const custom = (toolType: string, values: Record<string, string>): Task => Task.fromPartial({ toolType, params: { $case: 'custom', custom: { values } } });

describe('a full work dir degrades the worker, it does not swallow tasks (real tmpfs, real containers)', { timeout: 120_000 }, () => {
  afterEach(async () => {
    for (const close of setups.splice(0)) await close();
  });
  after(async () => {
    for (const close of setups.splice(0)) await close();
  });

  it('a task whose output was streamed ends with its real outcome when its output cannot be kept', async () => {
    const s = await setUp();
    await s.disk.fill();
    s.assign('flood-1', custom('trickle', { pieces: '24' }));
    const result = await s.result('flood-1');
    assert.equal(TaskState[result.state], TaskState[TaskState.TASK_STATE_COMPLETED], JSON.stringify(result.error));
    assert.equal(result.cause, 'COMPLETED');
    assert.equal(result.retryable, false);
    assert.equal(result.exitCode, 0);
    assert.equal(s.output.get('flood-1'), 24 * 65536, 'the whole output was streamed');
    const left = (await readdir(join(s.disk.dir, 'results'))).filter((name) => /\.(head|tail)$/.test(name));
    assert.deepEqual(left, [], 'the output log gave its files up');
  });

  it('the result of such a task says output_not_kept', async () => {
    const s = await setUp();
    await s.disk.fill();
    s.assign('flood-2', custom('trickle', { pieces: '24' }));
    const result = await s.result('flood-2');
    assert.equal(result.outputNotKept, true);
  });

  it('an unwritable audit log makes the worker not ready, with the reason, until it can be written again', async () => {
    const s = await setUp([], { auditOnDisk: true });
    assert.equal((await s.readyz()).status, 200);
    await s.disk.fill();
    s.assign('audit-1', custom('exit_with', { code: '0' }));
    const refused = await s.result('audit-1');
    assert.equal(TaskState[refused.state], TaskState[TaskState.TASK_STATE_FAILED], 'nothing ran without its audit');
    const notReady = await s.readyz();
    assert.equal(notReady.status, 503);
    assert.match(notReady.body, /audit log .* cannot be written/);
    await s.disk.unfill();
    await waitFor(async () => (await s.readyz()).status === 200, 10_000);
    s.assign('audit-2', custom('exit_with', { code: '0' }));
    const ran = await s.result('audit-2');
    assert.equal(ran.cause, 'COMPLETED', JSON.stringify(ran.error));
    const lines = (await readFile(join(s.disk.dir, 'audit.log'), 'utf8')).split('\n').filter((line) => line.startsWith('{'));
    const gap = lines.map((line) => JSON.parse(line) as { rule: string; reason: string }).find((entry) => entry.rule === 'audit-log');
    assert.ok(gap, 'the audit log itself records that it could not be written for a while');
    assert.match(gap.reason, /could not be written from /);
  });

  it('a task refused for its audit log ends AUDIT_UNAVAILABLE, not POLICY_DENIED', async () => {
    const s = await setUp([], { auditOnDisk: true });
    await s.disk.fill();
    s.assign('audit-3', custom('exit_with', { code: '0' }));
    const refused = await s.result('audit-3');
    assert.equal(refused.cause, 'AUDIT_UNAVAILABLE', JSON.stringify(refused.error));
    assert.equal(refused.retryable, true);
  });

  it('an unwritable audit log makes the heartbeat unhealthy, with the reason', async () => {
    const s = await setUp([], { auditOnDisk: true });
    await s.disk.fill();
    s.assign('audit-4', custom('exit_with', { code: '0' }));
    await s.result('audit-4');
    const beat = await waitFor(() => s.orchestrator.heartbeats.find((h) => !h.healthy), 5_000);
    assert.match(beat.healthDetail, /audit log/);
  });

  it('readiness reports a low disk before it is full (still ready), and a full one as not ready', async () => {
    const s = await setUp(['--min-free-disk', '2MiB']);
    assert.deepEqual(await s.readyz(), { status: 200, body: 'ready\n' });
    await s.disk.fill(1536 * 1024);
    const low = await waitFor(async () => {
      const answer = await s.readyz();
      return answer.body !== 'ready\n' && answer;
    }, 10_000);
    assert.equal(low.status, 200);
    assert.match(low.body, /^ready: work dir .* is low on space: 1\.\d MiB free, below --min-free-disk 2\.0 MiB/);
    await s.disk.fill();
    const full = await waitFor(async () => {
      const answer = await s.readyz();
      return answer.status === 503 && answer;
    }, 10_000);
    assert.match(full.body, /^not ready: work dir .* is full/);
    await s.disk.unfill();
    await waitFor(async () => (await s.readyz()).body === 'ready\n', 10_000);
  });

  it('the heartbeat says disk_low before the disk is full', async () => {
    const s = await setUp(['--min-free-disk', '2MiB']);
    await s.disk.fill(1536 * 1024);
    const beat = await waitFor(() => s.orchestrator.heartbeats.find((h) => h.diskLow), 10_000);
    assert.equal(beat.healthy, true);
    assert.match(beat.healthDetail, /low on space/);
  });
});
