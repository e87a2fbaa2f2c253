import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canTransition, type WorkerState } from './worker-state.js';

const STATES: readonly WorkerState[] = ['INITIALIZED', 'RUNNING', 'DRAINING', 'STOPPED', 'FAILED'];

/** The table documented in worker-state.ts. */
const ALLOWED: ReadonlyArray<readonly [WorkerState, WorkerState]> = [
  ['INITIALIZED', 'RUNNING'],
  ['INITIALIZED', 'STOPPED'],
  ['RUNNING', 'DRAINING'],
  ['RUNNING', 'FAILED'],
  ['DRAINING', 'STOPPED'],
  ['FAILED', 'DRAINING'],
  ['FAILED', 'STOPPED'],
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
