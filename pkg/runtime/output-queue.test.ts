import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputQueue } from './output-queue.js';

interface Item {
  readonly data: Buffer;
}

function producer() {
  const calls: string[] = [];
  return { calls, pause: () => calls.push('pause'), resume: () => calls.push('resume') };
}

const item = (bytes: number, fill = 'x'): Item => ({ data: Buffer.alloc(bytes, fill) });

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('OutputQueue', () => {
  it('pauses the producer once when the queued bytes reach the high-water mark', () => {
    const p = producer();
    const queue = new OutputQueue<Item>(10, p);
    queue.push(item(4));
    queue.push(item(5));
    assert.deepEqual(p.calls, []);
    queue.push(item(1));
    assert.deepEqual(p.calls, ['pause']);
    queue.push(item(3));
    assert.deepEqual(p.calls, ['pause']);
  });

  it('resumes the producer only when the consumer has drained to half the mark', async () => {
    const p = producer();
    const queue = new OutputQueue<Item>(10, p);
    for (const n of [3, 3, 3, 3]) queue.push(item(n)); // 12 queued: paused
    assert.deepEqual(p.calls, ['pause']);
    const iterator = queue[Symbol.asyncIterator]();
    await iterator.next(); // 9 left
    await iterator.next(); // 6 left
    assert.deepEqual(p.calls, ['pause']);
    await iterator.next(); // 3 left ≤ 5
    assert.deepEqual(p.calls, ['pause', 'resume']);
    await iterator.next();
    assert.deepEqual(p.calls, ['pause', 'resume']);
  });

  it('resumes at exactly half the mark', async () => {
    const p = producer();
    const queue = new OutputQueue<Item>(10, p);
    queue.push(item(5));
    queue.push(item(5));
    const iterator = queue[Symbol.asyncIterator]();
    await iterator.next(); // 5 left = 10 / 2
    assert.deepEqual(p.calls, ['pause', 'resume']);
  });

  it('pauses again after a resume when the queue fills up again', async () => {
    const p = producer();
    const queue = new OutputQueue<Item>(4, p);
    queue.push(item(4));
    const iterator = queue[Symbol.asyncIterator]();
    await iterator.next();
    queue.push(item(4));
    assert.deepEqual(p.calls, ['pause', 'resume', 'pause']);
  });

  it('yields items in order, waiting for ones pushed later, and finishes after end()', async () => {
    const queue = new OutputQueue<Item>(1024, producer());
    queue.push(item(1, 'a'));
    const seen: string[] = [];
    const consumed = (async () => {
      for await (const { data } of queue) seen.push(data.toString());
    })();
    await tick();
    assert.deepEqual(seen, ['a']);
    queue.push(item(1, 'b'));
    queue.push(item(1, 'c'));
    await tick();
    assert.deepEqual(seen, ['a', 'b', 'c']);
    queue.end();
    await consumed;
    assert.equal(queue.ended, true);
  });

  it('end() lets the consumer drain what is queued', async () => {
    const queue = new OutputQueue<Item>(1024, producer());
    queue.push(item(1, 'a'));
    queue.push(item(1, 'b'));
    queue.end();
    const seen: string[] = [];
    for await (const { data } of queue) seen.push(data.toString());
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('ignores pushes after end()', async () => {
    const p = producer();
    const queue = new OutputQueue<Item>(2, p);
    queue.push(item(1, 'a'));
    queue.end();
    queue.push(item(5, 'b'));
    assert.deepEqual(p.calls, [], 'an ignored push does not pause the producer');
    const seen: string[] = [];
    for await (const { data } of queue) seen.push(data.toString());
    assert.deepEqual(seen, ['a']);
  });

  it('fail() delivers what is queued, then rejects the consumer with the error', async () => {
    const queue = new OutputQueue<Item>(1024, producer());
    queue.push(item(1, 'a'));
    queue.push(item(1, 'b'));
    const boom = new Error('wait failed');
    queue.fail(boom);
    queue.push(item(1, 'c'));
    assert.equal(queue.ended, true);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const { data } of queue) seen.push(data.toString());
      })(),
      (error: unknown) => error === boom,
    );
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('fail() wakes a waiting consumer', async () => {
    const queue = new OutputQueue<Item>(1024, producer());
    const consumed = (async () => {
      for await (const _ of queue) assert.fail('nothing was pushed');
    })();
    await tick();
    queue.fail(new Error('gone'));
    await assert.rejects(consumed, /gone/);
  });

  it('fail() after end() is ignored: the consumer finishes normally', async () => {
    const queue = new OutputQueue<Item>(1024, producer());
    queue.push(item(1, 'a'));
    queue.end();
    queue.fail(new Error('late'));
    const seen: string[] = [];
    for await (const { data } of queue) seen.push(data.toString());
    assert.deepEqual(seen, ['a']);
  });
});
