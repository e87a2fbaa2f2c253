import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultsOverLimits, type HeldResult } from './unacked-result-limits.js';

const HOUR = 3_600_000;
const limits = { maxCount: 3, maxBytes: 1_000, ttlMs: HOUR };

/** Results kept one minute apart from t = 0, `bytes` each. */
function held(...bytes: number[]): HeldResult[] {
  return bytes.map((size, i) => ({ taskId: `t${i}`, bytes: size, keptAt: i * 60_000 }));
}

describe('resultsOverLimits (a fake clock: `now` is given)', () => {
  it('keeps everything within the bounds', () => {
    assert.deepEqual(resultsOverLimits(held(100, 100, 100), limits, 10 * 60_000), []);
    assert.deepEqual(resultsOverLimits([], limits, 0), []);
  });

  it('drops what is older than the TTL, and only that', () => {
    const results = held(100, 100, 100);
    assert.deepEqual(resultsOverLimits(results, limits, HOUR), [], 'exactly the TTL old: kept');
    assert.deepEqual(resultsOverLimits(results, limits, HOUR + 1), [{ taskId: 't0', reason: 'age' }]);
    assert.deepEqual(resultsOverLimits(results, limits, HOUR + 60_001), [
      { taskId: 't0', reason: 'age' },
      { taskId: 't1', reason: 'age' },
    ]);
  });

  it('drops the oldest past the count', () => {
    assert.deepEqual(resultsOverLimits(held(1, 1, 1, 1, 1), limits, 5 * 60_000), [
      { taskId: 't0', reason: 'count' },
      { taskId: 't1', reason: 'count' },
    ]);
  });

  it('decides by when each was kept, not by the order given', () => {
    const results = held(1, 1, 1, 1).reverse();
    assert.deepEqual(resultsOverLimits(results, limits, 0), [{ taskId: 't0', reason: 'count' }]);
  });

  it('drops the oldest until the bytes fit', () => {
    assert.deepEqual(resultsOverLimits(held(400, 400, 400), limits, 0), [{ taskId: 't0', reason: 'bytes' }]);
    assert.deepEqual(resultsOverLimits(held(600, 600, 100), limits, 0), [{ taskId: 't0', reason: 'bytes' }]);
  });

  it('drops one result larger than the bound on its own, not every older one', () => {
    assert.deepEqual(resultsOverLimits(held(100, 100, 5_000), limits, 0), [{ taskId: 't2', reason: 'bytes' }]);
  });

  it('applies age, then count, then bytes, each result once', () => {
    const results = held(900, 100, 100, 100, 900);
    assert.deepEqual(resultsOverLimits(results, limits, HOUR + 1), [
      { taskId: 't0', reason: 'age' },
      { taskId: 't1', reason: 'count' },
      { taskId: 't2', reason: 'bytes' },
    ]);
  });
});
