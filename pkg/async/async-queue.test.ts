import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAsyncQueue } from './async-queue.js';

describe('createAsyncQueue', () => {
  it('yields pushed items, waits for more, and finishes after end()', async () => {
    const queue = createAsyncQueue<number>();
    queue.push(1);
    const seen: number[] = [];
    const done = (async () => {
      for await (const item of queue.consume()) seen.push(item);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    queue.push(2);
    queue.end();
    queue.push(3);
    await done;
    assert.deepEqual(seen, [1, 2]);
  });

  it('lets a second consumer take over after the first is aborted', async () => {
    const queue = createAsyncQueue<string>();
    const first = new AbortController();
    const firstRun = (async () => {
      for await (const _ of queue.consume(first.signal)) assert.fail('nothing was pushed');
    })();
    await new Promise((resolve) => setImmediate(resolve));
    first.abort();
    await assert.rejects(firstRun, { name: 'AbortError' });
    queue.push('x');
    queue.end();
    const seen: string[] = [];
    for await (const item of queue.consume(new AbortController().signal)) seen.push(item);
    assert.deepEqual(seen, ['x']);
  });

  it('clear() drops what is queued', async () => {
    const queue = createAsyncQueue<number>();
    queue.push(1);
    queue.clear();
    queue.end();
    const seen: number[] = [];
    for await (const item of queue.consume()) seen.push(item);
    assert.deepEqual(seen, []);
  });
});
