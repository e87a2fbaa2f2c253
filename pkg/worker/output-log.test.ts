import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OutputLog, type LoggedChunk } from './output-log.js';

async function read(log: OutputLog): Promise<Array<[string, string, number]>> {
  const all: Array<[string, string, number]> = [];
  for await (const c of log.chunks()) all.push([c.stream, c.data.toString(), c.offset]);
  return all;
}

describe('OutputLog', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'output-log-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the head in memory and appends the rest to a private file, in arrival order with offsets', async () => {
    const log = new OutputLog(join(dir, 'a'), 5);
    await log.append('stdout', Buffer.from('abc'));
    await log.append('stderr', Buffer.from('E1'));
    assert.equal(log.memoryBytes, 5);
    assert.deepEqual(await readdir(dir), [], 'nothing on disk while the head has room');
    await log.append('stdout', Buffer.from('d'));
    await log.append('stderr', Buffer.from('E2'));
    await log.append('stdout', Buffer.from('efg'));
    assert.equal(log.memoryBytes, 5, 'memory stays at the head');
    // Tail writes run behind append: flush() waits for them (without it the file may not exist yet).
    await log.flush();
    assert.equal((await stat(join(dir, 'a.tail'))).mode & 0o777, 0o600);
    assert.equal(log.length('stdout'), 7);
    assert.equal(log.length('stderr'), 4);
    const expected = [['stdout', 'abc', 0], ['stderr', 'E1', 0], ['stdout', 'd', 3], ['stderr', 'E2', 2], ['stdout', 'efg', 4]];
    assert.deepEqual(await read(log), expected);
    assert.deepEqual(await read(log), expected, 'can be read again');
    await log.remove();
  });

  it('persist() moves the head to disk; open() reads both files back after a restart', async () => {
    const base = join(dir, 'b');
    const log = new OutputLog(base, 4);
    await log.append('stdout', Buffer.from('1234'));
    await log.append('stdout', Buffer.from('56'));
    await log.persist();
    assert.equal(log.memoryBytes, 0);
    assert.equal((await stat(`${base}.head`)).mode & 0o777, 0o600);
    assert.deepEqual(await read(log), [['stdout', '1234', 0], ['stdout', '56', 4]]);
    const reopened = await OutputLog.open(base);
    assert.deepEqual(await read(reopened), [['stdout', '1234', 0], ['stdout', '56', 4]]);
    assert.equal(reopened.length('stdout'), 6);
    await reopened.remove();
    assert.deepEqual(await readdir(dir).then((f) => f.filter((n) => n.startsWith('b.'))), []);
  });

  it('a torn last record (a crash while writing) ends the log at the last whole chunk', async () => {
    const base = join(dir, 'c');
    const log = new OutputLog(base, 0);
    await log.append('stderr', Buffer.from('whole'));
    await log.persist();
    await writeFile(`${base}.tail`, Buffer.concat([Buffer.from([2, 0, 0, 0, 5]), Buffer.from('whole'), Buffer.from([1, 0, 0, 0, 9, 0x41])]));
    assert.deepEqual(await read(await OutputLog.open(base)), [['stderr', 'whole', 0]]);
  });

  it('keeps 64 MiB with a 1 MiB head and gives every byte back', async () => {
    const log = new OutputLog(join(dir, 'd'), 1 << 20);
    const chunk = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < 1024; i++) await log.append(i % 2 === 0 ? 'stdout' : 'stderr', chunk);
    assert.equal(log.memoryBytes, 1 << 20);
    let total = 0;
    let last: LoggedChunk | undefined;
    for await (const c of log.chunks()) {
      total += c.data.length;
      last = c;
    }
    assert.equal(total, 64 << 20);
    assert.equal(last?.stream, 'stderr');
    assert.equal(last?.offset, (32 << 20) - 64 * 1024);
    await log.remove();
  });
});

describe('OutputLog.heads', () => {
  it('reads the first bytes of each stream, head and tail alike, no more than asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'output-heads-'));
    try {
      const log = new OutputLog(join(dir, 'log'), 4);
      await log.append('stdout', Buffer.from('abc'));
      await log.append('stderr', Buffer.from('XYZ'));
      await log.append('stdout', Buffer.from('defgh'));
      assert.deepEqual(await log.heads({ stdout: 6, stderr: 2 }), { stdout: Buffer.from('abcdef'), stderr: Buffer.from('XY') });
      assert.deepEqual(await log.heads({ stdout: 100, stderr: 0 }), { stdout: Buffer.from('abcdefgh'), stderr: Buffer.alloc(0) });
      await log.remove();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('OutputLog when the disk fails it', () => {
  it('a write that fails (a full disk, a directory gone) never throws: the log keeps nothing more and says so', async () => {
    const log = new OutputLog(join(tmpdir(), 'baaaht-output-log-no-such-dir', 'x'), 4);
    assert.equal(log.kept, true);
    await log.append('stdout', Buffer.from('abcd'));
    await log.append('stdout', Buffer.from('efgh')); // to the tail: its directory does not exist
    await log.flush();
    await log.append('stderr', Buffer.from('E'));
    assert.equal(log.kept, false);
    assert.equal((log.notKeptError as NodeJS.ErrnoException).code, 'ENOENT');
    assert.equal(log.length('stdout'), 8, 'it counts on: the offsets of what is streamed stay right');
    assert.equal(log.length('stderr'), 1);
    assert.equal(log.memoryBytes, 0, 'the head is freed');
    assert.deepEqual(await read(log), [], 'a resend carries no output');
    assert.deepEqual(await log.heads({ stdout: 10, stderr: 10 }), { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
    await log.persist();
    await log.remove();
  });

  it('a head that cannot be persisted makes the log not kept instead of failing', async () => {
    const log = new OutputLog(join(tmpdir(), 'baaaht-output-log-no-such-dir', 'y'), 100);
    await log.append('stdout', Buffer.from('abc'));
    await log.persist();
    assert.equal(log.kept, false);
    assert.equal(log.memoryBytes, 0);
    assert.deepEqual(await read(log), []);
  });
});
