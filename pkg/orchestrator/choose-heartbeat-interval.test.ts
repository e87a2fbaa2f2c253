import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseHeartbeatInterval } from './choose-heartbeat-interval.js';

describe('chooseHeartbeatInterval', () => {
  const cases: Array<[name: string, timeout: number, requested: number | undefined, expected: number]> = [
    ['the default --worker-timeout 90s → 30 s', 90_000, undefined, 30_000],
    ['--worker-timeout 20s → a third of it', 20_000, undefined, 6_666],
    ['--worker-timeout 1.5s → 500 ms', 1_500, undefined, 500],
    ['a requested interval longer than a third of the timeout is cut to fit', 1_500, 30_000, 500],
    ['a shorter requested interval is kept', 90_000, 1_000, 1_000],
    ['a tiny timeout is held at the 100 ms floor', 150, undefined, 100],
    ['a huge timeout is capped at 5 min', 24 * 3_600_000, undefined, 300_000],
  ];
  for (const [name, timeout, requested, expected] of cases) {
    it(`${name} (${timeout}, ${String(requested)} → ${expected})`, () => {
      assert.equal(chooseHeartbeatInterval(timeout, requested), expected);
    });
  }

  it('lets a worker miss two beats before its timeout, for every timeout of 300 ms or more', () => {
    for (const timeout of [300, 1_000, 1_500, 20_000, 90_000, 900_000]) {
      for (const requested of [undefined, 50, 1_000, 60_000, 1e9]) {
        const interval = chooseHeartbeatInterval(timeout, requested);
        assert.ok(interval * 3 <= timeout, `${timeout}/${String(requested)}: ${interval}`);
      }
    }
  });
});
