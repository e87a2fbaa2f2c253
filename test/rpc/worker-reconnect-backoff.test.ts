// #12 §1: the reconnect backoff grows across registrations whose stream fails at once. Before,
// every successful Register reset it, so a worker whose stream died right after registering
// (an orchestrator that cannot take what it sends, say) registered again every
// --reconnect-interval, for ever. The orchestrator here is scripted in the test: every stream
// fails as soon as its hello arrives.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

describe('a stream that fails right after every registration', () => {
  let pair: ScriptedPair;
  const at: number[] = [];

  before(async () => {
    pair = await startScriptedPair({
      orchestrator: {
        register: () => {
          at.push(Date.now());
          return { outputOffsets: true, protocolVersion: 2 };
        },
        onStream: (stream) => stream.fail('this orchestrator fails every stream'),
      },
      argv: ['--reconnect-interval', '50ms', '--reconnect-max-interval', '5s'],
    });
  });

  after(() => pair?.close());

  it('registers a few times in 3 s, each pause longer than the last, not every 50 ms', async () => {
    await waitFor(() => at.length > 0, 10_000);
    await sleep(3_000);
    const within = at.filter((t) => t - at[0]! <= 3_000);
    // Doubling from 50 ms (with jitter, each pause half to all of 50, 100, 200, 400, 800 ms ...):
    // at most 8 in 3 s. Reset after each registration: one every 50 ms or so, 30 or more.
    assert.ok(within.length <= 9, `${within.length} registrations in 3 s`);
    assert.ok(within.length >= 3, `${within.length} registrations in 3 s: it does keep trying`);
  });
});
