import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TaskResult } from '../gen/agent/v1/agent.js';
import { createResultStore } from './result-store.js';

const result = (exitCode: number) => TaskResult.fromPartial({ exitCode });

describe('createResultStore', () => {
  it('keeps at most maxEntries, dropping the oldest', () => {
    const store = createResultStore({ retentionMs: 1000, maxEntries: 2, maxBytes: 1000, now: () => 0 });
    store.add('a', result(1));
    store.add('b', result(2));
    store.add('c', result(3));
    assert.equal(store.size, 2);
    assert.equal(store.get('a'), undefined);
    assert.equal(store.get('c')?.exitCode, 3);
  });

  it('forgets results older than retentionMs', () => {
    let now = 0;
    const store = createResultStore({ retentionMs: 100, maxEntries: 10, maxBytes: 1000, now: () => now });
    store.add('a', result(1));
    now = 50;
    store.add('b', result(2));
    now = 100;
    assert.equal(store.get('a'), undefined);
    assert.equal(store.get('b')?.exitCode, 2);
    store.prune();
    assert.equal(store.size, 1);
    now = 151;
    store.prune();
    assert.equal(store.size, 0);
  });

  it('keeps at most maxBytes of output, dropping the oldest', () => {
    const store = createResultStore({ retentionMs: 1000, maxEntries: 10, maxBytes: 10, now: () => 0 });
    store.add('a', TaskResult.fromPartial({ stdout: Buffer.alloc(6) }));
    store.add('b', TaskResult.fromPartial({ stderr: Buffer.alloc(4) }));
    assert.equal(store.bytes, 10);
    store.add('c', TaskResult.fromPartial({ stdout: Buffer.alloc(1) }));
    assert.equal(store.get('a'), undefined);
    assert.equal(store.bytes, 5);
    assert.equal(store.size, 2);
  });
});
