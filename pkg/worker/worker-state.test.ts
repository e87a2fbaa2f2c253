import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canTransition, type WorkerState } from './worker-state.js';

const STATES: readonly WorkerState[] = ['INITIALIZED', 'CONNECTING', 'RUNNING', 'STOPPING', 'STOPPED', 'FAILED'];

/** The table documented in worker-state.ts. */
const ALLOWED: ReadonlyArray<readonly [WorkerState, WorkerState]> = [
  ['INITIALIZED', 'CONNECTING'],
  ['INITIALIZED', 'STOPPING'],
  ['CONNECTING', 'RUNNING'],
  ['CONNECTING', 'STOPPING'],
  ['CONNECTING', 'FAILED'],
  ['RUNNING', 'CONNECTING'],
  ['RUNNING', 'STOPPING'],
  ['STOPPING', 'STOPPED'],
  ['FAILED', 'STOPPING'],
];

describe('canTransition', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      const allowed = ALLOWED.some(([f, t]) => f === from && t === to);
      it(`${from} → ${to}: ${allowed ? 'allowed' : 'refused'}`, () => {
        assert.equal(canTransition(from, to), allowed);
      });
    }
  }

  it('STOPPED is final', () => {
    assert.deepEqual(
      STATES.filter((to) => canTransition('STOPPED', to)),
      [],
    );
  });
});
