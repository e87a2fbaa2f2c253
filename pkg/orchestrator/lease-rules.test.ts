import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { afterLeaseLoss, afterResult, judgeCompleted, type LeaseView } from './lease-rules.js';

describe('judgeCompleted', () => {
  const leased = (leaseEpoch: number, resultEpoch = 0): LeaseView => ({ leased: true, leaseEpoch, resultEpoch });
  const idle = (leaseEpoch: number, resultEpoch = 0): LeaseView => ({ leased: false, leaseEpoch, resultEpoch });
  const cases: Array<[string, LeaseView | undefined, number, string]> = [
    ['the lease in force', leased(2), 2, 'accept'],
    ['an older epoch', leased(2), 1, 'stale'],
    ['a newer epoch than ever given', leased(2), 3, 'stale'],
    ['epoch 0 (not echoed)', leased(1), 0, 'stale'],
    ['a second delivery of a stored result', idle(2, 2), 2, 'duplicate'],
    ['a retryable result already taken, task queued again', idle(2, 2), 2, 'duplicate'],
    ['the lease was taken away (queued again)', idle(2, 0), 2, 'stale'],
    ['re-leased after a stored retryable result', leased(3, 2), 2, 'duplicate'],
    ['finished by the orchestrator (no worker result)', idle(1, 0), 1, 'stale'],
    ['unknown task', undefined, 1, 'stale'],
  ];
  for (const [name, task, epoch, expected] of cases) {
    it(name, () => assert.equal(judgeCompleted(task, epoch), expected));
  }
});

describe('afterLeaseLoss / afterResult', () => {
  it('retries while attempts remain, then fails; a pending cancel wins', () => {
    assert.equal(afterLeaseLoss({ attempt: 1, maxAttempts: 3, cancelPending: false }), 'retry');
    assert.equal(afterLeaseLoss({ attempt: 2, maxAttempts: 3, cancelPending: false }), 'retry');
    assert.equal(afterLeaseLoss({ attempt: 3, maxAttempts: 3, cancelPending: false }), 'fail');
    assert.equal(afterLeaseLoss({ attempt: 1, maxAttempts: 1, cancelPending: false }), 'fail');
    assert.equal(afterLeaseLoss({ attempt: 1, maxAttempts: 3, cancelPending: true }), 'cancelled');
  });

  it('re-runs only retryable results, while attempts remain and no cancel is pending', () => {
    assert.equal(afterResult({ retryable: true, attempt: 1, maxAttempts: 3, cancelPending: false }), 'retry');
    assert.equal(afterResult({ retryable: true, attempt: 3, maxAttempts: 3, cancelPending: false }), 'final');
    assert.equal(afterResult({ retryable: false, attempt: 1, maxAttempts: 3, cancelPending: false }), 'final');
    assert.equal(afterResult({ retryable: true, attempt: 1, maxAttempts: 3, cancelPending: true }), 'final');
  });
});
