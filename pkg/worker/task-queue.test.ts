import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskQueue } from './task-queue.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TaskQueue', () => {
  for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`rejects limit ${limit}`, () => {
      assert.throws(() => new TaskQueue(limit), RangeError);
    });
  }

  it('runs at most `limit` jobs at once and starts the rest in order', async () => {
    const queue = new TaskQueue(2);
    const gates = ['a', 'b', 'c', 'd'].map(() => deferred());
    const started: string[] = [];
    const results = ['a', 'b', 'c', 'd'].map((id, i) =>
      queue.run(id, async () => {
        started.push(id);
        await gates[i]?.promise;
        return id.toUpperCase();
      }),
    );
    await tick();
    assert.deepEqual(started, ['a', 'b']);
    assert.equal(queue.running, 2);
    assert.equal(queue.queued, 2);
    gates[1]?.resolve();
    assert.equal(await results[1], 'B');
    await tick();
    assert.deepEqual(started, ['a', 'b', 'c']);
    assert.equal(queue.running, 2);
    assert.equal(queue.queued, 1);
    gates[0]?.resolve();
    gates[2]?.resolve();
    gates[3]?.resolve();
    assert.deepEqual(await Promise.all(results), ['A', 'B', 'C', 'D']);
    assert.deepEqual(started, ['a', 'b', 'c', 'd']);
    assert.equal(queue.running, 0);
    assert.equal(queue.queued, 0);
  });

  it('a job that throws synchronously frees its slot', async () => {
    const queue = new TaskQueue(1);
    await assert.rejects(
      queue.run('a', () => {
        throw new Error('sync');
      }),
      /sync/,
    );
    assert.equal(queue.running, 0);
    assert.equal(await queue.run('b', async () => 'b'), 'b');
  });

  it('a failing job rejects its own promise and frees its slot', async () => {
    const queue = new TaskQueue(1);
    const failing = queue.run('a', async () => {
      await tick();
      throw new Error('job failed');
    });
    let secondRan = false;
    const second = queue.run('b', async () => {
      secondRan = true;
      return 2;
    });
    assert.equal(queue.queued, 1);
    await assert.rejects(failing, /job failed/);
    assert.equal(await second, 2);
    assert.equal(secondRan, true);
    assert.equal(queue.running, 0);
  });

  it('withdraws a waiting job so it never runs', async () => {
    const queue = new TaskQueue(1);
    const gate = deferred();
    const first = queue.run('a', () => gate.promise);
    let withdrawnRan = false;
    let withdrawnSettled = false;
    void queue
      .run('b', async () => {
        withdrawnRan = true;
      })
      .finally(() => {
        withdrawnSettled = true;
      });
    const third = queue.run('c', async () => 'c');
    assert.equal(queue.withdraw('b'), true);
    assert.equal(queue.queued, 1);
    assert.equal(queue.withdraw('b'), false, 'already withdrawn');
    gate.resolve();
    await first;
    assert.equal(await third, 'c');
    await tick();
    assert.equal(withdrawnRan, false);
    assert.equal(withdrawnSettled, false, 'a withdrawn job is the caller’s to report; its promise stays pending');
  });

  it('does not withdraw a running or unknown job', async () => {
    const queue = new TaskQueue(1);
    const gate = deferred();
    const running = queue.run('a', () => gate.promise);
    assert.equal(queue.withdraw('a'), false);
    assert.equal(queue.withdraw('nope'), false);
    assert.equal(queue.running, 1);
    gate.resolve();
    await running;
  });
});
