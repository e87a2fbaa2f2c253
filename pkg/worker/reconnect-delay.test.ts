import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconnectDelay } from './reconnect-delay.js';

describe('reconnectDelay', () => {
  const cases: Array<[attempt: number, random: number, expected: number]> = [
    [1, 0, 500],
    [1, 0.999999, 1000],
    [2, 0, 1000],
    [3, 0.5, 3000],
    [4, 0, 4000],
    [5, 0, 5000], // capped at 10 s: 5 000 + random × 5 000
    [50, 0.999999, 10000],
  ];
  for (const [attempt, random, expected] of cases) {
    it(`attempt ${attempt}, random ${random} → ${expected} ms`, () => {
      assert.equal(reconnectDelay(attempt, 1000, 10_000, () => random), expected);
    });
  }

  it('never goes below half of its ceiling nor above the cap, whatever the random draw', () => {
    for (let attempt = 1; attempt < 40; attempt++) {
      for (const r of [0, 0.25, 0.5, 0.75, 0.9999]) {
        const delay = reconnectDelay(attempt, 200, 5000, () => r);
        const ceiling = Math.min(5000, 200 * 2 ** (attempt - 1));
        assert.ok(delay >= ceiling / 2 && delay <= ceiling, `${attempt}/${r}: ${delay}`);
      }
    }
  });

  it('spreads workers out: different draws give different delays', () => {
    assert.notEqual(reconnectDelay(3, 1000, 60_000, () => 0.1), reconnectDelay(3, 1000, 60_000, () => 0.9));
  });
});
