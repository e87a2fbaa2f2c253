// Per-task records (--task-records, --task-record-retention) of the real bin/worker, run by the
// real bin/orchestrator and bin/task over a Unix socket, with the real Docker engine.
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TaskRecordResult } from '../../pkg/worker/index.js';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { runBin, startBin, waitUntil, type Proc } from '../support/processes.js';

interface ResultJson {
  taskId: string;
  state: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  cause: string;
  worker: string;
  attempt: number;
  runtime: string;
  profile: string;
}

const MiB = 1024 * 1024;

describe('task records of a real worker (--task-records)', () => {
  let dir: string;
  let addr: string;
  let orchestrator: Proc | undefined;
  const workers: Proc[] = [];
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  const big = Buffer.alloc(12 * MiB);
  for (let i = 0; i < big.length; i++) big[i] = 97 + (i % 26);

  const workDir = (name: string): string => join(dir, `work-${name}`);
  const startWorker = (name: string, ...args: string[]): Proc =>
    startBin('worker', [
      '--orchestrator-addr', addr,
      '--name', name,
      '--work-dir', workDir(name),
      '--heartbeat-interval', '500ms',
      '--reconnect-interval', '200ms',
      ...args,
    ]);
  const run = async (worker: string, ...args: string[]): Promise<ResultJson> => {
    const r = await runBin('task', ['--orchestrator-addr', addr, 'run', ...args, '--worker', worker, '--json']);
    assert.ok(r.stdout.startsWith('{'), `bin/task run failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as ResultJson;
  };
  const recordOf = (worker: string, taskId: string): string => join(workDir(worker), `task_${taskId}`);
  /** The record's result.json, once it is written (behind the result). */
  const resultOf = (worker: string, taskId: string): Promise<TaskRecordResult> =>
    waitUntil(
      () => readFile(join(recordOf(worker, taskId), 'result.json'), 'utf8').then((text) => JSON.parse(text) as TaskRecordResult, () => undefined),
      10_000,
      `result.json of ${taskId} on ${worker}`,
    );

  before(async () => {
    dir = await mkdtemp('/tmp/btr-');
    addr = `unix://${dir}/grpc.sock`;
    ws = await makeWorkspace({ 'hello.txt': 'hello from a task record test\n', 'big.txt': big });
    await symlink('/etc/passwd', join(ws.dir, 'passwd-link'));
    orchestrator = startBin('orchestrator', ['--listen', addr, '--data-dir', `${dir}/data`]);
    workers.push(
      startWorker('rec-on', '--task-records', 'on'),
      startWorker('rec-off'),
      startWorker('rec-short', '--task-records', 'on', '--task-record-retention', '1s'),
    );
    await waitUntil(
      async () => {
        const r = await runBin('task', ['--orchestrator-addr', addr, 'workers', '--json']);
        if (r.code !== 0) return false;
        const connected = (JSON.parse(r.stdout) as Array<{ name: string; connected: boolean }>).filter((w) => w.connected).map((w) => w.name);
        return ['rec-on', 'rec-off', 'rec-short'].every((name) => connected.includes(name));
      },
      20_000,
      'three workers registered',
    );
  });

  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
    await orchestrator?.stop('SIGKILL');
    await ws?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('a file_read: the file in stdout.txt, result.json says COMPLETED and names the worker, 0700/0600', async () => {
    const r = await run('rec-on', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt');
    assert.equal(r.state, 'COMPLETED');
    const result = await resultOf('rec-on', r.taskId);
    const record = recordOf('rec-on', r.taskId);
    assert.equal(await readFile(join(record, 'stdout.txt'), 'utf8'), 'hello from a task record test\n');
    assert.equal(await readFile(join(record, 'stderr.txt'), 'utf8'), '');
    assert.deepEqual((await readdir(record)).sort(), ['result.json', 'stderr.txt', 'stdout.txt']);
    assert.equal((await stat(record)).mode & 0o777, 0o700);
    for (const file of ['result.json', 'stderr.txt', 'stdout.txt']) assert.equal((await stat(join(record, file))).mode & 0o777, 0o600, file);
    assert.equal(result.taskId, r.taskId);
    assert.equal(result.tool, 'file_read');
    assert.equal(result.state, 'COMPLETED');
    assert.equal(result.cause, 'COMPLETED');
    assert.equal(result.exitCode, 0);
    assert.equal(result.error, null);
    assert.equal(result.worker, 'rec-on');
    assert.equal(result.attempt, r.attempt);
    assert.equal(result.runtime, r.runtime);
    assert.equal(result.profile, r.profile);
    assert.notEqual(result.profile, '');
    assert.equal(result.stdoutBytes, 30);
    assert.equal(result.stderrBytes, 0);
    assert.equal(result.recordComplete, true);
    assert.ok(result.leaseEpoch >= 1, String(result.leaseEpoch));
    const accepted = Date.parse(result.acceptedAt);
    const started = Date.parse(result.startedAt ?? '');
    const finished = Date.parse(result.finishedAt);
    assert.ok(accepted <= started + 5 && started <= finished && finished <= Date.now(), JSON.stringify(result));
    assert.ok(Math.abs(finished - started - result.durationMs) < 1_000, JSON.stringify(result));
    assert.doesNotMatch(JSON.stringify(result), /hello\.txt/, 'the params are not recorded');
  });

  it('a path escape: FAILED with cause PATH_ESCAPE, the refusal in stderr.txt', async () => {
    const r = await run('rec-on', 'file_read', '--mount', ws.dir, '--param', 'path=passwd-link');
    assert.equal(r.state, 'FAILED');
    assert.equal(r.cause, 'PATH_ESCAPE');
    const result = await resultOf('rec-on', r.taskId);
    assert.equal(result.state, 'FAILED');
    assert.equal(result.cause, 'PATH_ESCAPE');
    assert.equal(result.error?.code, 'PATH_ESCAPE');
    assert.equal(result.exitCode, r.exitCode);
    const stderr = await readFile(join(recordOf('rec-on', r.taskId), 'stderr.txt'), 'utf8');
    assert.equal(stderr, r.stderr);
    assert.match(stderr, /^baaaht-fs: PATH_ESCAPE: /);
    assert.equal(result.stderrBytes, Buffer.byteLength(r.stderr));
    assert.equal(await readFile(join(recordOf('rec-on', r.taskId), 'stdout.txt'), 'utf8'), '');
  });

  it('a task refused before any container (the Docker socket as mount) is recorded too', async () => {
    const r = await run('rec-on', 'list', '--mount', '/var/run', '--param', 'path=.');
    assert.equal(r.state, 'FAILED');
    assert.equal(r.profile, '', 'no container ran');
    const result = await resultOf('rec-on', r.taskId);
    assert.equal(result.state, 'FAILED');
    assert.equal(result.cause, r.cause);
    assert.equal(result.exitCode, -1);
    assert.equal(result.error?.code, r.cause);
    assert.equal(result.tool, 'list');
    assert.equal(result.stdoutBytes + result.stderrBytes, 0);
    assert.equal(await readFile(join(recordOf('rec-on', r.taskId), 'stdout.txt'), 'utf8'), '');
  });

  it('output past the 10 MiB cap: stdout.txt holds what was streamed, byte for byte, and the truncation', async () => {
    const r = await run('rec-on', 'file_read', '--mount', ws.dir, '--param', 'path=big.txt');
    assert.equal(r.cause, 'OUTPUT_TRUNCATED');
    assert.equal(r.stdoutTruncated, true);
    const result = await resultOf('rec-on', r.taskId);
    assert.equal(result.cause, 'OUTPUT_TRUNCATED');
    assert.equal(result.stdoutTruncated, true);
    assert.equal(result.stdoutBytes, 10 * MiB);
    assert.equal(result.recordComplete, true);
    const stdout = await readFile(join(recordOf('rec-on', r.taskId), 'stdout.txt'));
    assert.equal(stdout.length, 10 * MiB);
    assert.ok(stdout.equals(big.subarray(0, 10 * MiB)), 'the first 10 MiB of the file');
    assert.equal(stdout.toString('latin1'), r.stdout, 'as the orchestrator got it');
  });

  it('no records without --task-records', async () => {
    const [off, on] = await Promise.all([
      run('rec-off', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt'),
      run('rec-on', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt'),
    ]);
    assert.equal(off.state, 'COMPLETED');
    assert.equal(off.worker, 'rec-off');
    await resultOf('rec-on', on.taskId); // the other worker's record is there by now
    const entries = await readdir(workDir('rec-off'));
    assert.ok(entries.length > 0, 'the work directory is in use');
    assert.deepEqual(entries.filter((name) => name.startsWith('task_')), []);
  });

  it('records older than --task-record-retention are removed; other entries and link targets stay', async () => {
    const work = workDir('rec-short');
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'keep.txt'), 'keep\n');
    await symlink(outside, join(work, 'task_planted-link'));
    await mkdir(join(work, 'task_not.a.record'));
    await writeFile(join(work, 'notes.txt'), 'mine\n');
    const r = await run('rec-short', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt');
    assert.equal(r.state, 'COMPLETED');
    const result = await resultOf('rec-short', r.taskId);
    assert.equal(result.worker, 'rec-short');
    await waitUntil(
      () => lstat(recordOf('rec-short', r.taskId)).then(() => false, () => true),
      10_000,
      'the record removed after its retention',
    );
    await waitUntil(() => lstat(join(work, 'task_planted-link')).then(() => false, () => true), 10_000, 'the planted link removed');
    assert.deepEqual(await readdir(outside), ['keep.txt']);
    assert.equal(await readFile(join(outside, 'keep.txt'), 'utf8'), 'keep\n');
    assert.ok((await lstat(join(work, 'task_not.a.record'))).isDirectory());
    assert.equal(await readFile(join(work, 'notes.txt'), 'utf8'), 'mine\n');
    assert.ok((await lstat(join(work, 'results'))).isDirectory());
    assert.match(workers[2]!.output().stdout + workers[2]!.output().stderr, /removed old task records/);
    // the long retention keeps its records meanwhile
    assert.ok((await readdir(workDir('rec-on'))).some((name) => name.startsWith('task_')));
  });
});
