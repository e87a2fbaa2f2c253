import assert from 'node:assert/strict';
import { lstat, lutimes, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { makeOutcome } from './run-outcome.js';
import { isRecordableTaskId, taskIdOfRecordName, TaskRecords, type TaskRecordResult, type TaskRecordsLogger } from './task-records.js';

const HOUR = 3_600_000;

function recordingLogger(): TaskRecordsLogger & { warnings: Array<{ message: string; meta?: Record<string, unknown> }> } {
  const warnings: Array<{ message: string; meta?: Record<string, unknown> }> = [];
  return {
    warnings,
    info: () => undefined,
    warn: (message, meta) => void warnings.push({ message, ...(meta ? { meta } : {}) }),
  };
}

const readResult = async (dir: string, id: string): Promise<TaskRecordResult> =>
  JSON.parse(await readFile(join(dir, `task_${id}`, 'result.json'), 'utf8')) as TaskRecordResult;

/** Sets an entry's mtime `ageMs` in the past (a symbolic link's own). */
async function age(path: string, ageMs: number): Promise<void> {
  const when = new Date(Date.now() - ageMs);
  if ((await lstat(path)).isSymbolicLink()) await lutimes(path, when, when);
  else await utimes(path, when, when);
}

describe('task records', () => {
  let root: string;
  let dir: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'baaaht-records-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  let n = 0;
  beforeEach(async () => {
    dir = join(root, `work-${++n}`);
    await mkdir(dir, { mode: 0o700 });
  });

  it('writes the output as streamed and result.json, in a 0700 directory of 0600 files', async () => {
    const logger = recordingLogger();
    const records = new TaskRecords({ dir, retentionMs: HOUR, worker: 'w-1', logger });
    const writer = records.begin('t-1_A', { tool: 'grep', attempt: 2, leaseEpoch: 7 });
    assert.ok(writer);
    writer.output('stdout', Buffer.from('hello '));
    writer.output('stderr', Buffer.from('warn\n'));
    writer.output('stdout', Buffer.from('world\n'));
    const outcome = makeOutcome('FAILED', {
      exitCode: 3,
      durationMs: 1500,
      runtime: 'runc',
      profile: 'baaaht/v1 policy=strict',
      stderrTruncated: true,
      error: { code: 'PATH_ESCAPE', message: 'refused' },
    });
    await writer.finish(outcome, { startedAt: Date.parse('2030-01-02T03:04:05.000Z'), finishedAt: Date.parse('2030-01-02T03:04:06.500Z') });
    const record = join(dir, 'task_t-1_A');
    assert.equal((await stat(record)).mode & 0o777, 0o700);
    assert.deepEqual((await readdir(record)).sort(), ['result.json', 'stderr.txt', 'stdout.txt']);
    for (const file of ['result.json', 'stderr.txt', 'stdout.txt']) assert.equal((await stat(join(record, file))).mode & 0o777, 0o600, file);
    assert.equal(await readFile(join(record, 'stdout.txt'), 'utf8'), 'hello world\n');
    assert.equal(await readFile(join(record, 'stderr.txt'), 'utf8'), 'warn\n');
    const result = await readResult(dir, 't-1_A');
    assert.deepEqual({ ...result, acceptedAt: 'x' }, {
      taskId: 't-1_A',
      tool: 'grep',
      state: 'FAILED',
      cause: 'PATH_ESCAPE',
      retryable: false,
      exitCode: 3,
      error: { code: 'PATH_ESCAPE', message: 'refused' },
      worker: 'w-1',
      runtime: 'runc',
      profile: 'baaaht/v1 policy=strict',
      attempt: 2,
      leaseEpoch: 7,
      durationMs: 1500,
      acceptedAt: 'x',
      startedAt: '2030-01-02T03:04:05.000Z',
      finishedAt: '2030-01-02T03:04:06.500Z',
      stdoutBytes: 12,
      stderrBytes: 5,
      stdoutTruncated: false,
      stderrTruncated: true,
      recordComplete: true,
    });
    assert.ok(Math.abs(Date.parse(result.acceptedAt) - Date.now()) < 60_000, result.acceptedAt);
    assert.equal(records.active, 0);
    assert.deepEqual(logger.warnings, []);
  });

  it('records a task that never ran: empty output, no start time, no error', async () => {
    const records = new TaskRecords({ dir, retentionMs: HOUR, worker: 'w', logger: recordingLogger() });
    const writer = records.begin('never', { tool: '', attempt: 1, leaseEpoch: 1 });
    await writer?.finish(makeOutcome('COMPLETED', { durationMs: 0, runtime: '', exitCode: 0 }), { finishedAt: Date.now() });
    const result = await readResult(dir, 'never');
    assert.equal(result.startedAt, null);
    assert.equal(result.error, null);
    assert.equal(result.stdoutBytes, 0);
    assert.equal(await readFile(join(dir, 'task_never', 'stdout.txt'), 'utf8'), '');
    assert.equal(await readFile(join(dir, 'task_never', 'stderr.txt'), 'utf8'), '');
  });

  it('refuses task ids that are not a safe file name, with a warning, and writes nothing', async () => {
    const logger = recordingLogger();
    const records = new TaskRecords({ dir, retentionMs: HOUR, worker: 'w', logger });
    const hostile = ['', '..', '../escape', 'a/b', 'a.b', 'x'.repeat(129), 'new\nline', 'sp ace', 'é', '%2e%2e', 'a\0b'];
    for (const id of hostile) {
      assert.equal(isRecordableTaskId(id), false, JSON.stringify(id));
      assert.equal(records.begin(id, { tool: 't', attempt: 1, leaseEpoch: 1 }), undefined, JSON.stringify(id));
    }
    assert.equal(logger.warnings.length, hostile.length);
    assert.match(logger.warnings[2]!.message, /not recorded/);
    assert.equal(logger.warnings[2]!.meta?.taskId, '"../escape"');
    await records.idle();
    assert.deepEqual(await readdir(dir), []);
    assert.deepEqual(await readdir(root).then((names) => names.filter((name) => name.includes('escape'))), []);
    assert.equal(isRecordableTaskId('x'.repeat(128)), true);
    assert.equal(isRecordableTaskId('0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e'), true);
  });

  it('names only task_<safe id> as a record', () => {
    assert.equal(taskIdOfRecordName('task_abc-1'), 'abc-1');
    for (const name of ['task_', 'task_a.b', 'results', 'audit.log', 'xtask_a', 'task_a/b', `task_${'x'.repeat(129)}`]) {
      assert.equal(taskIdOfRecordName(name), undefined, name);
    }
  });

  it('a new record of the same id replaces the old one; a symbolic link in its place is removed, not followed', async () => {
    const records = new TaskRecords({ dir, retentionMs: HOUR, worker: 'w', logger: recordingLogger() });
    const done = makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
    const first = records.begin('same', { tool: 'list', attempt: 1, leaseEpoch: 1 });
    first?.output('stdout', Buffer.from('first run, longer output\n'));
    const second = records.begin('same', { tool: 'list', attempt: 2, leaseEpoch: 2 });
    second?.output('stdout', Buffer.from('second\n'));
    await Promise.all([second?.finish(done, { finishedAt: Date.now() }), first?.finish(done, { finishedAt: Date.now() })]);
    assert.equal(await readFile(join(dir, 'task_same', 'stdout.txt'), 'utf8'), 'second\n');
    assert.equal((await readResult(dir, 'same')).attempt, 2);

    const outside = join(root, `outside-${n}`);
    await mkdir(outside);
    await writeFile(join(outside, 'stdout.txt'), 'not yours\n');
    await symlink(outside, join(dir, 'task_linked'));
    const writer = records.begin('linked', { tool: 'list', attempt: 1, leaseEpoch: 1 });
    writer?.output('stdout', Buffer.from('mine\n'));
    await writer?.finish(done, { finishedAt: Date.now() });
    assert.ok((await lstat(join(dir, 'task_linked'))).isDirectory());
    assert.equal(await readFile(join(dir, 'task_linked', 'stdout.txt'), 'utf8'), 'mine\n');
    assert.deepEqual(await readdir(outside), ['stdout.txt']);
    assert.equal(await readFile(join(outside, 'stdout.txt'), 'utf8'), 'not yours\n');
  });

  it('drops output the disk has not caught up with instead of holding it, and says so in result.json', async () => {
    const records = new TaskRecords({ dir, retentionMs: HOUR, worker: 'w', logger: recordingLogger(), maxUnwrittenBytes: 10 });
    const writer = records.begin('busy', { tool: 'cat', attempt: 1, leaseEpoch: 1 });
    writer?.output('stdout', Buffer.from('12345678')); // queued: 8 of 10 bytes
    writer?.output('stdout', Buffer.from('abcdef')); // would be 14: dropped
    writer?.output('stdout', Buffer.from('z')); // would fit, but the file stays a prefix of the output: dropped too
    writer?.output('stderr', Buffer.from('e')); // and so is the rest of the output
    await writer?.finish(makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 }), { finishedAt: Date.now() });
    assert.equal(await readFile(join(dir, 'task_busy', 'stdout.txt'), 'utf8'), '12345678');
    const result = await readResult(dir, 'busy');
    assert.equal(await readFile(join(dir, 'task_busy', 'stderr.txt'), 'utf8'), '');
    assert.equal(result.stdoutBytes, 15);
    assert.equal(result.stderrBytes, 1);
    assert.equal(result.recordComplete, false);
  });

  it('a record that cannot be written is a warning, and finish() still resolves', async () => {
    const notADir = join(root, `file-${n}`);
    await writeFile(notADir, 'x');
    const logger = recordingLogger();
    const records = new TaskRecords({ dir: notADir, retentionMs: HOUR, worker: 'w', logger });
    const writer = records.begin('t1', { tool: 'cat', attempt: 1, leaseEpoch: 1 });
    writer?.output('stdout', Buffer.from('lost'));
    await writer?.finish(makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 }), { finishedAt: Date.now() });
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0]!.message, /could not create a task record/);
    assert.equal(logger.warnings[0]!.meta?.taskId, 't1');
    assert.equal(records.active, 0);
    assert.equal(await records.sweep(), 0, 'a work directory that is not one is nothing to sweep');
    assert.equal(logger.warnings.length, 2);
  });

  it('sweep removes records older than the retention and nothing else', async () => {
    const logger = recordingLogger();
    const records = new TaskRecords({ dir, retentionMs: HOUR, worker: 'w', logger });
    const done = makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
    for (const id of ['old', 'new', 'old-dir-only']) {
      await records.begin(id, { tool: 'list', attempt: 1, leaseEpoch: 1 })?.finish(done, { finishedAt: Date.now() });
    }
    // by result.json's age (the directory itself looks new)
    await age(join(dir, 'task_old', 'result.json'), 2 * HOUR);
    // a record without result.json (the worker died while writing it): by the directory's age
    await rm(join(dir, 'task_old-dir-only', 'result.json'));
    await age(join(dir, 'task_old-dir-only'), 2 * HOUR);
    // a recent result.json keeps a record whose directory looks old
    await age(join(dir, 'task_new'), 2 * HOUR);
    // a link inside an old record: removed with it, its target kept
    const outside = join(root, `outside-${n}`);
    await mkdir(outside);
    await writeFile(join(outside, 'keep.txt'), 'keep\n');
    await age(outside, 2 * HOUR);
    await symlink(join(outside, 'keep.txt'), join(dir, 'task_old', 'link'));
    // a symbolic link named like a record: removed as a link, never followed
    await symlink(outside, join(dir, 'task_link'));
    await age(join(dir, 'task_link'), 2 * HOUR);
    // not records, however old
    const strangers = ['results', 'task_bad.name', 'notes.txt', 'task_plainfile'];
    await mkdir(join(dir, 'results'));
    await writeFile(join(dir, 'results', 'x.result'), 'r');
    await mkdir(join(dir, 'task_bad.name'));
    await writeFile(join(dir, 'notes.txt'), 'n');
    await writeFile(join(dir, 'task_plainfile'), 'f');
    for (const name of strangers) await age(join(dir, name), 2 * HOUR);
    // a record being written now, however old it looks
    const running = records.begin('running', { tool: 'list', attempt: 1, leaseEpoch: 1 });
    running?.output('stdout', Buffer.from('still going\n'));
    await waitForFile(join(dir, 'task_running', 'stdout.txt'));
    await age(join(dir, 'task_running'), 2 * HOUR);

    assert.equal(await records.sweep(), 3);
    assert.deepEqual((await readdir(dir)).sort(), ['notes.txt', 'results', 'task_bad.name', 'task_new', 'task_plainfile', 'task_running']);
    assert.deepEqual(await readdir(outside), ['keep.txt']);
    assert.equal(await readFile(join(outside, 'keep.txt'), 'utf8'), 'keep\n');
    assert.deepEqual(await readdir(join(dir, 'results')), ['x.result']);
    assert.deepEqual(logger.warnings, []);

    await running?.finish(done, { finishedAt: Date.now() });
    assert.equal(await readFile(join(dir, 'task_running', 'stdout.txt'), 'utf8'), 'still going\n');
    await age(join(dir, 'task_running', 'result.json'), 2 * HOUR);
    assert.equal(await records.sweep(), 1, 'once finished, an old record goes');
    assert.deepEqual((await readdir(dir)).sort(), ['notes.txt', 'results', 'task_bad.name', 'task_new', 'task_plainfile']);
  });

  it('run() sweeps at once and then periodically, until its signal aborts', async () => {
    let clock = Date.now();
    const records = new TaskRecords({ dir, retentionMs: HOUR, worker: 'w', logger: recordingLogger(), sweepIntervalMs: 20, now: () => clock });
    const done = makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
    await records.begin('a', { tool: 'list', attempt: 1, leaseEpoch: 1 })?.finish(done, { finishedAt: Date.now() });
    clock += 2 * HOUR;
    const stop = new AbortController();
    const running = records.run(stop.signal);
    await waitForGone(join(dir, 'task_a'));
    clock = Date.now();
    await records.begin('b', { tool: 'list', attempt: 1, leaseEpoch: 1 })?.finish(done, { finishedAt: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual(await readdir(dir), ['task_b'], 'a new record stays');
    clock += 2 * HOUR;
    await waitForGone(join(dir, 'task_b'));
    stop.abort();
    await running;
    clock = Date.now();
    await records.begin('c', { tool: 'list', attempt: 1, leaseEpoch: 1 })?.finish(done, { finishedAt: Date.now() });
    clock += 2 * HOUR;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual(await readdir(dir), ['task_c'], 'no sweep after stop');
  });

  it('sweeps every min(retention / 4, 10 min), at least every second', () => {
    const interval = (retentionMs: number): number => new TaskRecords({ dir, retentionMs, worker: 'w', logger: recordingLogger() }).sweepIntervalMs;
    assert.equal(interval(24 * HOUR), 10 * 60_000);
    assert.equal(interval(HOUR), 10 * 60_000);
    assert.equal(interval(20 * 60_000), 5 * 60_000);
    assert.equal(interval(1_000), 1_000);
    assert.equal(interval(0), 1_000);
  });
});

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await stat(path).then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${path} never appeared`);
}

async function waitForGone(path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (!(await lstat(path).then(() => true, () => false))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${path} still there`);
}
