import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TaskState, type WorkerMessage } from '../gen/agent/v1/agent.js';
import { ResultSpool } from './result-spool.js';

function result(taskId: string, leaseEpoch: number, stdout = 'out'): WorkerMessage {
  return {
    taskId,
    leaseEpoch,
    event: {
      $case: 'completed',
      completed: {
        outputNotKept: false,
        state: TaskState.TASK_STATE_COMPLETED,
        exitCode: 0,
        stdout: Buffer.from(stdout),
        stderr: Buffer.alloc(0),
        stdoutTruncated: false,
        stderrTruncated: false,
        durationMs: 5,
        worker: 'w',
        runtime: 'runc',
        profile: 'baaaht/v1',
        cause: 'COMPLETED',
        retryable: false,
        outputIncluded: true,
        attempt: 1,
      },
    },
  };
}

async function collect(spool: ResultSpool): Promise<WorkerMessage[]> {
  const all: WorkerMessage[] = [];
  for await (const { message } of spool.all()) all.push(message);
  return all;
}

describe('ResultSpool', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps results until their ack: every one on disk at once (finished means durable), a copy in memory under the limit', async () => {
    const d = join(dir, 'a');
    const spool = new ResultSpool(d, 200);
    await spool.load();
    await spool.add(result('t1', 1, 'x'.repeat(50)));
    await spool.add(result('t2', 4, 'y'.repeat(300))); // over the limit: on disk only
    assert.equal(spool.size, 2);
    assert.equal((await readdir(d)).filter((f) => f.endsWith('.result')).length, 2, 'both on disk before add() returns');
    const all = await collect(spool);
    assert.deepEqual(all.map((m) => [m.taskId, m.leaseEpoch]), [['t1', 1], ['t2', 4]]);
    assert.equal(all[1]?.event?.$case === 'completed' && all[1].event.completed.stdout.toString(), 'y'.repeat(300));
    assert.deepEqual(spool.leases(), [{ taskId: 't1', leaseEpoch: 1 }, { taskId: 't2', leaseEpoch: 4 }]);
    assert.equal(await spool.ack('t2', 3), false, 'an ack for another epoch is ignored');
    assert.equal(await spool.ack('t2', 4), true);
    assert.equal((await readdir(d)).length, 1, 'the file went with the ack');
    assert.equal(await spool.ack('t1', 1), true);
    assert.equal(spool.size, 0);
    assert.deepEqual(await readdir(d), []);
  });

  it('spills everything before exit, and a new spool on the same dir delivers it; files are private', async () => {
    const d = join(dir, 'b');
    const first = new ResultSpool(d, 1 << 20);
    await first.load();
    await first.add(result('evil/../../id', 2));
    await first.add(result('t4', 1));
    assert.equal(await first.spillAll(), 0, 'nothing left to write: each was on disk when kept');
    const files = await readdir(d);
    assert.equal(files.length, 2);
    for (const f of files) {
      assert.match(f, /^[0-9a-f]{64}\.result$/, 'named by a hash, never by the raw task id');
      assert.equal((await stat(join(d, f))).mode & 0o077, 0);
    }
    const second = new ResultSpool(d, 1 << 20);
    assert.equal(await second.load(), 2);
    assert.deepEqual((await collect(second)).map((m) => m.taskId).sort(), ['evil/../../id', 't4']);
  });

  it('keeps a task\'s output log beside its result: head in memory, the rest on disk, all of it back after a restart', async () => {
    const d = join(dir, 'd');
    const spool = new ResultSpool(d, 1 << 20, { outputMemoryBytes: 8 });
    await spool.load();
    const log = spool.outputLog('t5', 3);
    await log.append('stdout', Buffer.from('12345678')); // fills the 8-byte head
    await log.append('stderr', Buffer.from('err'));
    await log.append('stdout', Buffer.from('9'));
    assert.deepEqual((await readdir(d)).filter((f) => f.endsWith('.tail')).length, 1, 'past the head: on disk as it comes');
    const message = result('t5', 3, '');
    if (message.event?.$case === 'completed') message.event.completed.outputIncluded = false;
    await spool.add(message, log);
    await spool.add(result('t6', 1), undefined);
    await spool.spillAll();
    for (const f of await readdir(d)) assert.equal((await stat(join(d, f))).mode & 0o077, 0, `${f} is private`);
    const orphan = new ResultSpool(d, 1 << 20, { outputMemoryBytes: 8 }).outputLog('never-completed', 1);
    await orphan.append('stdout', Buffer.from('lost with its worker'));
    await orphan.close();

    const again = new ResultSpool(d, 1 << 20, { outputMemoryBytes: 8 });
    assert.equal(await again.load(), 2);
    assert.equal((await readdir(d)).filter((f) => f.endsWith('.tail')).length, 1, 'the orphaned log was removed');
    const spooled = [];
    for await (const s of again.all()) spooled.push(s);
    const t5 = spooled.find((s) => s.message.taskId === 't5');
    assert.ok(t5?.output);
    const chunks = [];
    for await (const c of t5.output.chunks()) chunks.push([c.stream, c.data.toString(), c.offset]);
    assert.deepEqual(chunks, [['stdout', '12345678', 0], ['stderr', 'err', 0], ['stdout', '9', 8]]);
    assert.equal(spooled.find((s) => s.message.taskId === 't6')?.output, undefined);
    assert.equal(await again.ack('t5', 3), true);
    assert.equal(await again.ack('t6', 1), true);
    assert.deepEqual(await readdir(d), [], 'the ack removes the result and its log');
  });

  it('drops unreadable files from a torn write', async () => {
    const d = join(dir, 'c');
    const spool = new ResultSpool(d, 1 << 20);
    await spool.load();
    await writeFile(join(d, 'junk.result'), Buffer.from([0xff, 0xff, 0xff, 0xff]));
    const again = new ResultSpool(d, 1 << 20);
    assert.equal(await again.load(), 0);
    assert.deepEqual(await readdir(d), []);
  });

  it('puts a result whose delivery failed behind the others, counting its failures, and drops it on request', async () => {
    const spool = new ResultSpool(join(dir, 'd'), 1 << 20);
    await spool.load();
    for (const taskId of ['a', 'b', 'c']) await spool.add(result(taskId, 2));
    assert.equal(spool.holds('a', 2), true);
    assert.equal(spool.holds('a', 1), false, 'another lease of it');
    assert.equal(spool.deliveryFailed('a', 1), 0, 'another lease: nothing happens');
    assert.equal(spool.deliveryFailed('a', 2), 1);
    assert.deepEqual((await collect(spool)).map((m) => m.taskId), ['b', 'c', 'a']);
    assert.equal(spool.deliveryFailed('b', 2), 1);
    assert.equal(spool.deliveryFailed('a', 2), 2);
    assert.deepEqual((await collect(spool)).map((m) => m.taskId), ['c', 'b', 'a']);
    assert.equal(await spool.drop('a', 2), true);
    assert.deepEqual(spool.leases(), [{ taskId: 'c', leaseEpoch: 2 }, { taskId: 'b', leaseEpoch: 2 }]);
  });

  it('a dropped result takes its files with it', async () => {
    const d = join(dir, 'e');
    const spool = new ResultSpool(d, 1 << 20, { outputMemoryBytes: 4 });
    await spool.load();
    const kept = spool.outputLog('t-drop', 2);
    await kept.append('stdout', Buffer.from('head+tail'));
    const dropped = result('t-drop', 2, '');
    if (dropped.event?.$case === 'completed') dropped.event.completed.outputIncluded = false;
    await spool.add(dropped, kept);
    assert.equal(await spool.drop('t-drop', 2), true);
    assert.deepEqual(await readdir(d), [], 'the dropped result and its log are gone');
  });
});
