import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heartbeatInterval, MAX_HEARTBEAT_INTERVAL_MS, MIN_HEARTBEAT_INTERVAL_MS } from './heartbeat-interval.js';

describe('heartbeatInterval', () => {
  const cases: Array<[name: string, own: number, orchestrator: number, expected: number]> = [
    ['the orchestrator asks for more often: its interval wins', 30_000, 6_666, 6_666],
    ['the worker beats more often already: its own stays', 2_000, 30_000, 2_000],
    ['0 from an older orchestrator: the worker’s own', 30_000, 0, 30_000],
    ['an orchestrator asking for 1 ms is held at the floor', 30_000, 1, MIN_HEARTBEAT_INTERVAL_MS],
    ['a worker configured below the floor is held at it too', 10, 0, MIN_HEARTBEAT_INTERVAL_MS],
    ['an own interval over 5 min is capped', 3_600_000, 0, MAX_HEARTBEAT_INTERVAL_MS],
    ['the largest uint32 from the orchestrator never lengthens the worker’s own', 30_000, 4_294_967_295, 30_000],
    ['a fraction is floored', 30_000, 1_500.9, 1_500],
  ];
  for (const [name, own, orchestrator, expected] of cases) {
    it(`${name} (own ${own}, orchestrator ${orchestrator} → ${expected})`, () => {
      assert.equal(heartbeatInterval(own, orchestrator), expected);
    });
  }

  it('stays within 100 ms .. 5 min and never above the worker’s own setting', () => {
    for (const own of [1, 100, 1_000, 30_000, 300_000, 10_000_000]) {
      for (const orchestrator of [0, 1, 50, 100, 999, 30_000, 1e9]) {
        const chosen = heartbeatInterval(own, orchestrator);
        assert.ok(chosen >= MIN_HEARTBEAT_INTERVAL_MS && chosen <= MAX_HEARTBEAT_INTERVAL_MS, `${own}/${orchestrator}: ${chosen}`);
        assert.ok(chosen <= Math.max(own, MIN_HEARTBEAT_INTERVAL_MS), `${own}/${orchestrator}: ${chosen}`);
      }
    }
  });
});
