import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enginePidsLimit, isGvisorRuntime } from './engine-pids-limit.js';

describe('enginePidsLimit', () => {
  const cases: Array<[string | undefined, number, number]> = [
    [undefined, 10, 10],
    ['runc', 20, 20],
    ['runsc', 10, 164],
    ['runsc-hostnet', 20, 264],
    ['runscx', 10, 10],
  ];
  for (const [runtime, pids, expected] of cases) {
    it(`${pids} processes under ${runtime ?? 'the default'} → ${expected}`, () => {
      assert.equal(enginePidsLimit(pids, runtime), expected);
      assert.equal(isGvisorRuntime(runtime), expected !== pids);
    });
  }
});
