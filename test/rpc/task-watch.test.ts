/**
 * `task run --group/--label`, the result line naming the worker, the progress line and colours on
 * a terminal, and `task watch`: the built bin/task against a real bin/orchestrator process on a
 * temporary Unix socket, with fake workers (no Docker). Terminal runs go through util-linux
 * `script`, which gives the command a pseudo-terminal. Needs `npm run build`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient, type Channel } from 'nice-grpc';
import { TaskServiceDefinition, TaskState, type Task, type TaskServiceClient } from '../../pkg/gen/agent/v1/agent.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { ROOT, startBin, waitUntil, type Proc } from '../support/processes.js';
import { createFakeWorker, type FakeWorker, type ScriptedRun } from './fake-worker.js';

const TASK_BIN = join(ROOT, 'bin', 'task');
const ESC = '\u001b';
const CHANNEL = { maxRecvMsgSize: 4 * 1024 * 1024, maxSendMsgSize: 4 * 1024 * 1024 };

/** An environment without colour settings of the test runner's own, on an ordinary terminal type. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ORCHESTRATOR_URL: '', TERM: 'xterm-256color', ...extra };
  for (const name of ['FORCE_COLOR', 'NO_COLOR', 'NODE_DISABLE_COLORS'] as const) if (!(name in extra)) delete env[name];
  return env;
}

interface Run {
  readonly child: ChildProcess;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function collect(child: ChildProcess): Run {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, output: () => ({ stdout, stderr }), done };
}

/** bin/task with stdout and stderr piped. */
function startTask(args: readonly string[], env: Record<string, string> = {}): Run {
  return collect(spawn(process.execPath, [TASK_BIN, ...args], { cwd: ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
}
const runTask = (args: readonly string[], env?: Record<string, string>) => startTask(args, env).done;

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * bin/task on a pseudo-terminal (stdout and stderr both): `script` copies what the terminal shows
 * to its stdout. Writing `\x03` to `child.stdin` is Ctrl-C on that terminal.
 */
function startOnTerminal(args: readonly string[], env: Record<string, string> = {}): Run {
  const command = `exec ${quote(process.execPath)} ${quote(TASK_BIN)} ${args.map(quote).join(' ')}`;
  return collect(spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: cliEnv(env), stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** What a fake worker does: `slow` runs until cancelled, anything else completes at once. */
function script(task: Task): ScriptedRun {
  if (task.toolType === 'slow') return { waitForCancel: true, stdout: ['started\n'] };
  return { stdout: ['file ', 'contents\n'], durationMs: 21 };
}

interface Cluster {
  readonly dir: string;
  readonly socket: string;
  readonly addr: string;
  orchestrator: Proc;
  readonly tasks: TaskServiceClient;
  readonly channels: Channel[];
}

async function startCluster(dir: string): Promise<Cluster> {
  const socket = join(dir, 'o.sock');
  const addr = `unix://${socket}`;
  const orchestrator = startOrchestratorProcess(addr);
  const channel = createGrpcChannel(addr, CHANNEL);
  const tasks = createClient(TaskServiceDefinition, channel);
  await waitForOrchestrator(tasks, orchestrator);
  return { dir, socket, addr, orchestrator, tasks, channels: [channel] };
}

function startOrchestratorProcess(addr: string): Proc {
  return startBin('orchestrator', ['--listen', addr, '--data-dir', ':memory:', '--log-format', 'json', '--log-level', 'error']);
}

async function waitForOrchestrator(tasks: TaskServiceClient, orchestrator: Proc): Promise<void> {
  await waitUntil(
    async () => {
      if (orchestrator.child.exitCode !== null) throw new Error(`the orchestrator exited: ${JSON.stringify(orchestrator.output())}`);
      return tasks.listWorkers({}, { signal: AbortSignal.timeout(1000) }).then(
        () => true,
        () => false,
      );
    },
    15_000,
    'the orchestrator answering',
  );
}

async function startWorker(cluster: Cluster, name: string, group: string, labels: Record<string, string>): Promise<FakeWorker> {
  const channel = createGrpcChannel(cluster.addr, CHANNEL);
  cluster.channels.push(channel);
  const worker = createFakeWorker(channel, { name, toolTypes: ['file_read', 'slow'], maxConcurrentTasks: 2, script });
  await worker.register({ group, labels });
  await worker.connect();
  worker.startHeartbeats(500);
  return worker;
}

/** Starts a `slow` task (detached) and waits until it runs on a worker. */
async function startSlowTask(cluster: Cluster, args: readonly string[] = []): Promise<string> {
  const detached = await runTask(['--orchestrator-addr', cluster.addr, 'run', 'slow', '--detach', ...args]);
  assert.equal(detached.code, 0, detached.stderr);
  const taskId = detached.stdout.trim();
  await waitUntil(async () => (await cluster.tasks.getTask({ taskId })).state === TaskState.TASK_STATE_RUNNING, 10_000, 'the slow task running');
  return taskId;
}

async function cancelAndWait(cluster: Cluster, taskId: string): Promise<void> {
  await cluster.tasks.cancelTask({ taskId, force: true });
  await waitUntil(async () => (await cluster.tasks.getTask({ taskId })).result !== undefined, 10_000, 'the task finished');
}

describe('task run --group/--label and task watch against a real orchestrator process', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster(await mkdtemp('/tmp/btw-'));
    await startWorker(cluster, 'g-worker', 'g', { zone: 'a' });
    await startWorker(cluster, 'plain-worker', 'default', { zone: 'b' });
  });
  after(async () => {
    await cluster.orchestrator.stop('SIGKILL');
    for (const channel of cluster.channels) channel.close();
    await rm(cluster.dir, { recursive: true, force: true });
  });

  it('run --group g lands on the worker of group g and names it; --label picks by label; the output is unchanged', async () => {
    for (let i = 0; i < 3; i++) {
      const { code, stdout, stderr } = await runTask(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--param', 'path=a', '--group', 'g']);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, 'file contents\n', 'the task output, byte for byte');
      assert.match(stderr, /^task [0-9a-f-]{36} COMPLETED on g-worker \(exit 0, 21 ms\)\n$/);
    }
    const json = await runTask(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--param', 'path=a', '--label', 'zone=b', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).worker, 'plain-worker');
    assert.equal(json.stderr, '', '--json prints nothing else');
    const both = await runTask(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--param', 'path=a', '--group', 'g', '--label', 'zone=a', '--json']);
    assert.equal(JSON.parse(both.stdout).worker, 'g-worker');
  });

  it('run --group nope fails NO_WORKER, naming what is registered; a bad group is a usage error', async () => {
    const { code, stdout, stderr } = await runTask(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--param', 'path=a', '--group', 'nope']);
    assert.equal(code, 125);
    assert.equal(stdout, '');
    assert.match(stderr, /^error NO_WORKER: .*"nope".*g-worker.*$/m);
    assert.match(stderr, /^task [0-9a-f-]{36} FAILED$/m);
    const labels = await runTask(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--param', 'path=a', '--label', 'zone=a,disk=ssd']);
    assert.equal(labels.code, 125);
    assert.match(labels.stderr, /^error NO_WORKER: .*disk=ssd/m);

    const usage = await runTask(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--param', 'path=a', '--group', 'Not_A_Group']);
    assert.equal(usage.code, 126);
    assert.match(usage.stderr, /^error: --group: group "Not_A_Group" is not/);
    assert.match(usage.stderr, /Usage:/);
    const badLabel = await runTask(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--label', 'zone']);
    assert.equal(badLabel.code, 126);
    assert.match(badLabel.stderr, /--label: "zone" is not key=value/);
  });

  it('run --detach carries the group and labels too', async () => {
    const taskId = await startSlowTask(cluster, ['--group', 'g', '--label', 'zone=a']);
    assert.equal((await cluster.tasks.getTask({ taskId })).worker, 'g-worker');
    await cancelAndWait(cluster, taskId);
    const other = await startSlowTask(cluster, ['--label', 'zone=b']);
    assert.equal((await cluster.tasks.getTask({ taskId: other })).worker, 'plain-worker');
    await cancelAndWait(cluster, other);
  });

  it('workers shows each worker\'s group and own labels', async () => {
    const { code, stdout } = await runTask(['--orchestrator-addr', cluster.addr, 'workers']);
    assert.equal(code, 0);
    assert.match(stdout, /^g-worker\s+g\s+[0-9a-f-]{36}\s+file_read,slow\s+2\s+0\s+ok\s+yes\s+-\s+zone=a$/m);
    assert.match(stdout, /^plain-worker\s+default\s+[0-9a-f-]{36}\s.*zone=b$/m);
    const json = JSON.parse((await runTask(['--orchestrator-addr', cluster.addr, 'workers', '--json'])).stdout);
    assert.deepEqual(
      json.map((w: { name: string; group: string; labels: object }) => [w.name, w.group, w.labels]),
      [['g-worker', 'g', { zone: 'a' }], ['plain-worker', 'default', { zone: 'b' }]],
    );
  });

  it('watch --once lists the workers with their group and a running task, without escape codes when piped', async () => {
    const taskId = await startSlowTask(cluster, ['--group', 'g']);
    try {
      const { code, stdout, stderr } = await runTask(['--orchestrator-addr', cluster.addr, 'watch', '--once']);
      assert.equal(code, 0, stderr);
      assert.ok(!stdout.includes(ESC), JSON.stringify(stdout));
      assert.match(stdout, /^baaaht watch · \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ · unix:\/\/.*o\.sock$/m);
      assert.match(stdout, /^WORKERS 2$/m);
      assert.match(stdout, /^g-worker\s+g\s+connected\s+1\/2\s+\d+\.\ds ago\s+zone=a$/m);
      assert.match(stdout, /^plain-worker\s+default\s+connected\s+0\/2\s/m);
      assert.match(stdout, /^TASKS 1 open, \d+ recently finished$/m);
      assert.match(stdout, new RegExp(`^${taskId.slice(0, 8)}\\s+slow\\s+RUNNING\\s+g-worker\\s+1\\s+\\d`, 'm'));
    } finally {
      await cancelAndWait(cluster, taskId);
    }
    const after = await runTask(['--orchestrator-addr', cluster.addr, 'watch', '--once']);
    assert.match(after.stdout, new RegExp(`^${taskId.slice(0, 8)}\\s+slow\\s+CANCELLED\\s+g-worker\\s+1\\s`, 'm'));
    assert.match(after.stdout, /^TASKS 0 open, /m);
  });

  it('watch piped prints a timestamped line when a task starts and when it ends, and exits 0 on Ctrl-C', async () => {
    const watch = startTask(['--orchestrator-addr', cluster.addr, 'watch', '--interval', '200ms']);
    try {
      await waitUntil(() => /worker g-worker is connected, group g, \d\/2 running, labels zone=a\n/.test(watch.output().stdout), 10_000, 'the first snapshot');
      const stamp = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
      assert.match(watch.output().stdout, new RegExp(`^${stamp} worker plain-worker is connected, group default, 0/2 running, labels zone=b$`, 'm'));
      const taskId = await startSlowTask(cluster, ['--group', 'g']);
      const started = new RegExp(`^${stamp} task ${taskId} slow (QUEUED -> )?RUNNING on g-worker \\(attempt 1\\)$`, 'm');
      await waitUntil(() => started.test(watch.output().stdout), 10_000, 'the start line');
      await cancelAndWait(cluster, taskId);
      const ended = new RegExp(`^${stamp} task ${taskId} slow RUNNING -> CANCELLED on g-worker \\(attempt 1\\)$`, 'm');
      await waitUntil(() => ended.test(watch.output().stdout), 10_000, 'the end line');
      // One line per change: the task's start and end are each printed once.
      assert.equal(watch.output().stdout.split('\n').filter((line) => line.includes(`task ${taskId}`)).length, 2, watch.output().stdout);
    } finally {
      watch.child.kill('SIGINT');
    }
    const { code, stdout, stderr } = await watch.done;
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.ok(!stdout.includes(ESC), 'no escape codes in a pipe');
  });

  it('on a terminal, run shows a progress line (erased before output) and coloured states', async () => {
    const run = startOnTerminal(['--orchestrator-addr', cluster.addr, 'run', 'slow', '--group', 'g']);
    const progress = /\r\u001b\[K\u001b\[36m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \u001b\[39m\u001b\[36mRUNNING\u001b\[39m on g-worker · \d+\.\ds · 0 B output/;
    await waitUntil(() => progress.test(run.output().stdout), 15_000, 'the progress line');
    const taskId = await waitUntil(async () => {
      const { tasks } = await cluster.tasks.listTasks({ recentFinished: 0 });
      return tasks.find((t) => t.toolType === 'slow' && t.state === TaskState.TASK_STATE_RUNNING)?.taskId;
    });
    await cancelAndWait(cluster, taskId);
    const { code, stdout } = await run.done;
    assert.equal(code, 130, JSON.stringify(stdout));
    assert.ok(stdout.startsWith('\u001b[?25l'), 'the cursor is hidden while the line shows');
    assert.ok(stdout.includes('\r\u001b[Kstarted\r\n'), `the line is erased before the task's output: ${JSON.stringify(stdout)}`);
    assert.ok(stdout.includes(`\u001b[?25herror CANCELLED: `), `erased and the cursor back before the result: ${JSON.stringify(stdout.slice(-300))}`);
    assert.ok(stdout.endsWith(`task ${taskId} \u001b[33mCANCELLED\u001b[39m on \u001b[1mg-worker\u001b[22m (exit 137, 7 ms)\r\n`), JSON.stringify(stdout.slice(-200)));
    // After the erase nothing of the line is left on the terminal: the last line drawn was cleared.
    const lastDraw = stdout.lastIndexOf('\r\u001b[K\u001b[36m');
    assert.ok(stdout.indexOf('\r\u001b[K', lastDraw + 1) > lastDraw, 'the last progress line was erased');
  });

  it('on a terminal with NO_COLOR the progress line shows without colours; with --json nothing but the JSON', async () => {
    const noColor = await startOnTerminal(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--param', 'path=a', '--group', 'g'], { NO_COLOR: '1' }).done;
    assert.equal(noColor.code, 0, noColor.stdout);
    assert.ok(noColor.stdout.includes('\r\u001b[K⠋ submitting · 0.0s'), JSON.stringify(noColor.stdout));
    assert.doesNotMatch(noColor.stdout, /\u001b\[\d+m/, 'no colour codes');
    assert.match(noColor.stdout, /\r\u001b\[Kfile contents\r\n\u001b\[\?25htask [0-9a-f-]{36} COMPLETED on g-worker \(exit 0, 21 ms\)\r\n$/);

    const json = await startOnTerminal(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--param', 'path=a', '--json']).done;
    assert.equal(json.code, 0);
    assert.ok(!json.stdout.includes(ESC), JSON.stringify(json.stdout));
    assert.equal(JSON.parse(json.stdout).state, 'COMPLETED');

    const piped = await runTask(['--orchestrator-addr', cluster.addr, 'run', 'file_read', '--param', 'path=a'], { TERM: 'xterm-256color' });
    assert.equal(piped.stdout, 'file contents\n');
    assert.match(piped.stderr, /^task [0-9a-f-]{36} COMPLETED on g-worker \(exit 0, 21 ms\)\n$/);
    assert.ok(!(piped.stdout + piped.stderr).includes(ESC), 'piped: no escape codes at all');
  });

  it('watch on a terminal redraws a coloured screen in the alternate screen; Ctrl-C restores the terminal and exits 0', async () => {
    const taskId = await startSlowTask(cluster, ['--group', 'g']);
    const watch = startOnTerminal(['--orchestrator-addr', cluster.addr, 'watch', '--interval', '200ms']);
    try {
      const screens = (): number => watch.output().stdout.split('\u001b[H').length - 1;
      await waitUntil(() => screens() >= 3, 15_000, 'three screens');
      const out = watch.output().stdout;
      assert.ok(out.startsWith('\u001b[?1049h\u001b[?25l'), JSON.stringify(out.slice(0, 40)));
      assert.match(out, /g-worker\s+g\s+\u001b\[32mconnected\u001b\[39m\s+1\/2/);
      assert.match(out, /\u001b\[Hbaaaht watch · \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ · every 0\.2s · unix:/);
      assert.match(out, new RegExp(`${taskId.slice(0, 8)}  slow\\s+\\u001b\\[36mRUNNING\\u001b\\[39m`));
    } finally {
      watch.child.stdin!.write('\u0003');
    }
    const { code, stdout } = await watch.done;
    assert.equal(code, 0);
    assert.ok(stdout.endsWith('\u001b[?25h\u001b[?1049l'), JSON.stringify(stdout.slice(-60)));
    await cancelAndWait(cluster, taskId);
  });
});

describe('task watch when the orchestrator goes away', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp('/tmp/btw-');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('cannot reach it at the start: a clear error and exit 125, for --once and for watching', async () => {
    for (const extra of [['--once'], []]) {
      const { code, stdout, stderr } = await runTask(['--orchestrator-addr', `unix://${dir}/nobody.sock`, 'watch', ...extra]);
      assert.equal(code, 125);
      assert.equal(stdout, '');
      assert.match(stderr, /^error: cannot reach the orchestrator at unix:\/\/.*nobody\.sock/);
    }
  });

  it('a lost connection while watching: "reconnecting...", then it goes on once the orchestrator is back', async () => {
    const cluster = await startCluster(dir);
    let watch: Run | undefined;
    try {
      await startWorker(cluster, 'w-before', 'default', {});
      watch = startTask(['--orchestrator-addr', cluster.addr, 'watch', '--interval', '200ms']);
      const w = watch;
      await waitUntil(() => w.output().stdout.includes(' worker w-before is connected'), 10_000, 'the first snapshot');
      assert.equal(await cluster.orchestrator.stop('SIGTERM'), 0);
      await waitUntil(() => / connection lost: cannot reach the orchestrator at .*; reconnecting\.\.\.\n/.test(w.output().stdout), 10_000, 'the lost line');
      cluster.orchestrator = startOrchestratorProcess(cluster.addr);
      await waitForOrchestrator(cluster.tasks, cluster.orchestrator);
      await waitUntil(() => / reconnected\n/.test(w.output().stdout), 10_000, 'the reconnected line');
      // The new orchestrator has no workers: the old one is reported gone.
      await waitUntil(() => / worker w-before left\n/.test(w.output().stdout), 10_000, 'the left line');
      assert.equal(w.output().stdout.split('\n').filter((line) => line.includes('connection lost')).length, 1, 'said once');
    } finally {
      watch?.child.kill('SIGINT');
      await cluster.orchestrator.stop('SIGKILL');
      for (const channel of cluster.channels) channel.close();
    }
    assert.equal((await watch.done).code, 0);
  });
});
