import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineHealth } from './engine-health.js';

/** A ping that fails while `down` is set. */
function engine() {
  const state = { down: false, pings: 0 };
  const ping = async (): Promise<void> => {
    state.pings++;
    if (state.down) throw new Error('connect ENOENT /var/run/docker.sock');
  };
  return { state, ping };
}

describe('EngineHealth', () => {
  it('turns unhealthy when a check fails and healthy again when one succeeds, reporting each change once', async () => {
    const { state, ping } = engine();
    const changes: Array<[boolean, string]> = [];
    const health = new EngineHealth({ ping, intervalMs: 1_000, unhealthyIntervalMs: 100, onChange: (healthy, detail) => changes.push([healthy, detail]) });
    assert.equal(await health.check(new AbortController().signal), true);
    state.down = true;
    assert.equal(await health.check(new AbortController().signal), false);
    assert.equal(await health.check(new AbortController().signal), false);
    assert.equal(health.detail, 'connect ENOENT /var/run/docker.sock');
    state.down = false;
    assert.equal(await health.check(new AbortController().signal), true);
    assert.equal(health.detail, '');
    assert.deepEqual(changes, [
      [false, 'connect ENOENT /var/run/docker.sock'],
      [true, ''],
    ]);
  });

  it('a failure a task reports makes it unhealthy at once and wakes the loop to check again soon', async () => {
    const { state, ping } = engine();
    const failures: string[] = [];
    const health = new EngineHealth({ ping, intervalMs: 60_000, unhealthyIntervalMs: 60_000, onFailure: (detail) => failures.push(detail) });
    const stop = new AbortController();
    const loop = health.run(stop.signal);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(state.pings, 1);
    health.reportFailure('the engine stopped the container (signal 15)');
    assert.equal(health.healthy, false);
    assert.deepEqual(failures, ['the engine stopped the container (signal 15)']);
    // Not a minute later: the report woke the loop, whose check finds the engine back.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(state.pings, 2);
    assert.equal(health.healthy, true);
    stop.abort();
    await loop;
  });

  it('a check cut short by the abort keeps the last state', async () => {
    const stop = new AbortController();
    const health = new EngineHealth({
      ping: async (signal) => {
        stop.abort();
        throw signal.reason as Error;
      },
      intervalMs: 1_000,
      unhealthyIntervalMs: 100,
    });
    assert.equal(await health.check(stop.signal), true);
  });
});
