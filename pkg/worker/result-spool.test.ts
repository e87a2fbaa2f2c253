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
  for await (const m of spool.all()) all.push(m);
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

  it('keeps results until their ack, in memory under the limit and on disk past it', async () => {
    const d = join(dir, 'a');
    const spool = new ResultSpool(d, 200);
    await spool.load();
    await spool.add(result('t1', 1, 'x'.repeat(50)));
    await spool.add(result('t2', 4, 'y'.repeat(300))); // over the limit: to disk
    assert.equal(spool.size, 2);
    assert.equal((await readdir(d)).length, 1, 'one result spilled');
    const all = await collect(spool);
    assert.deepEqual(all.map((m) => [m.taskId, m.leaseEpoch]), [['t1', 1], ['t2', 4]]);
    assert.equal(all[1]?.event?.$case === 'completed' && all[1].event.completed.stdout.toString(), 'y'.repeat(300));
    assert.deepEqual(spool.leases(), [{ taskId: 't1', leaseEpoch: 1 }, { taskId: 't2', leaseEpoch: 4 }]);
    assert.equal(await spool.ack('t2', 3), false, 'an ack for another epoch is ignored');
    assert.equal(await spool.ack('t2', 4), true);
    assert.deepEqual(await readdir(d), [], 'the file went with the ack');
    assert.equal(await spool.ack('t1', 1), true);
    assert.equal(spool.size, 0);
  });

  it('spills everything before exit, and a new spool on the same dir delivers it; files are private', async () => {
    const d = join(dir, 'b');
    const first = new ResultSpool(d, 1 << 20);
    await first.load();
    await first.add(result('evil/../../id', 2));
    await first.add(result('t4', 1));
    assert.equal(await first.spillAll(), 2);
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

  it('drops unreadable files from a torn write', async () => {
    const d = join(dir, 'c');
    const spool = new ResultSpool(d, 1 << 20);
    await spool.load();
    await writeFile(join(d, 'junk.result'), Buffer.from([0xff, 0xff, 0xff, 0xff]));
    const again = new ResultSpool(d, 1 << 20);
    assert.equal(await again.load(), 0);
    assert.deepEqual(await readdir(d), []);
  });
});
