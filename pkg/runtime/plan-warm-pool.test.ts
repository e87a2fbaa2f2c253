import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeyInUse, planWarmStep, type WarmKeyState } from './plan-warm-pool.js';

const NOW = 1_000_000;
const limits = { perKey: 2, maxTotal: 4, idleMs: 60_000 };
const key = (name: string, warm: number, warming: number, agoMs: number | undefined, retryAfterMs?: number): WarmKeyState => ({
  key: name,
  warm,
  warming,
  lastUsedMs: agoMs === undefined ? 0 : NOW - agoMs,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

describe('planWarmStep', () => {
  const cases: Array<[string, WarmKeyState[], Partial<typeof limits>, ReturnType<typeof planWarmStep>]> = [
    ['nothing used: nothing to warm', [], {}, undefined],
    ['a key used just now with none warm', [key('a', 0, 0, 10)], {}, { key: 'a' }],
    ['a key at its target', [key('a', 2, 0, 10)], {}, undefined],
    ['warming counts toward the target', [key('a', 1, 1, 10)], {}, undefined],
    ['a key not used within the idle window is not warmed', [key('a', 0, 0, 60_000)], {}, undefined],
    ['a key never used', [key('a', 0, 0, undefined)], {}, undefined],
    ['the most recently used key first', [key('old', 0, 0, 5_000), key('new', 0, 0, 100)], {}, { key: 'new' }],
    ['a key whose warming failed waits for its retry time', [key('a', 0, 0, 10, NOW + 1)], {}, undefined],
    ['…and is warmed after it', [key('a', 0, 0, 10, NOW)], {}, { key: 'a' }],
    ['at the total cap, an older key gives up a container', [key('old', 2, 0, 5_000), key('mid', 2, 0, 3_000), key('new', 0, 0, 100)], {}, { key: 'new', evict: 'old' }],
    ['at the total cap, a more recent key keeps its containers', [key('recent', 3, 0, 100), key('older', 1, 0, 5_000)], { maxTotal: 4, perKey: 3 }, undefined],
    ['at the cap with only warming containers elsewhere: wait', [key('old', 0, 4, 5_000), key('new', 0, 0, 100)], {}, undefined],
    ['per key 0 turns warming off', [key('a', 0, 0, 10)], { perKey: 0 }, undefined],
    ['total 0 turns warming off', [key('a', 0, 0, 10)], { maxTotal: 0 }, undefined],
    ['below the cap, more keys share it', [key('a', 2, 0, 100), key('b', 1, 0, 200)], { maxTotal: 4 }, { key: 'b' }],
  ];
  for (const [name, keys, over, expected] of cases) {
    it(name, () => {
      assert.deepEqual(planWarmStep(keys, { ...limits, ...over }, NOW), expected);
    });
  }
});

describe('isKeyInUse', () => {
  it('is true within the idle window only, and never for a key never used', () => {
    assert.equal(isKeyInUse(NOW - 59_999, 60_000, NOW), true);
    assert.equal(isKeyInUse(NOW - 60_000, 60_000, NOW), false);
    assert.equal(isKeyInUse(0, 60_000, NOW), false);
  });
});
