import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelOutcome } from '../gen/agent/v1/agent.js';
import { decideCancel, type CancelDecision, type HeldLease } from './decide-cancel.js';

const { CANCEL_OUTCOME_CANCELLING: CANCELLING, CANCEL_OUTCOME_FINISHED: FINISHED, CANCEL_OUTCOME_UNKNOWN: UNKNOWN } = CancelOutcome;
const active = (leaseEpoch: number): HeldLease => ({ state: 'active', leaseEpoch });
const finished = (leaseEpoch: number): HeldLease => ({ state: 'finished', leaseEpoch });

describe('decideCancel', () => {
  const cases: Array<[string, HeldLease | undefined, number, CancelDecision]> = [
    ['running, cancel of its lease', active(2), 2, { outcome: CANCELLING, leaseEpoch: 2, stop: true, remember: false }],
    ['running, cancel of any lease (0)', active(2), 0, { outcome: CANCELLING, leaseEpoch: 2, stop: true, remember: false }],
    ['running an older lease than the cancel\'s: stopped, the cancel remembered', active(2), 3, { outcome: CANCELLING, leaseEpoch: 2, stop: true, remember: true }],
    ['running a newer lease than the cancel\'s (stale): nothing stops', active(5), 4, { outcome: UNKNOWN, leaseEpoch: 4, stop: false, remember: true }],
    ['finished, cancel of its lease', finished(1), 1, { outcome: FINISHED, leaseEpoch: 1, stop: false, remember: false }],
    ['finished, cancel of any lease', finished(1), 0, { outcome: FINISHED, leaseEpoch: 1, stop: false, remember: false }],
    ['finished an older lease than the cancel\'s', finished(1), 2, { outcome: FINISHED, leaseEpoch: 1, stop: false, remember: true }],
    ['finished a newer lease than the cancel\'s (stale)', finished(5), 3, { outcome: FINISHED, leaseEpoch: 5, stop: false, remember: false }],
    ['not here', undefined, 3, { outcome: UNKNOWN, leaseEpoch: 3, stop: false, remember: true }],
    ['not here, any lease', undefined, 0, { outcome: UNKNOWN, leaseEpoch: 0, stop: false, remember: true }],
  ];
  for (const [name, held, epoch, expected] of cases) {
    it(name, () => assert.deepEqual(decideCancel(held, epoch), expected));
  }
});
