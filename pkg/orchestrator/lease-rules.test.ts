import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { afterLeaseLoss, afterResult, judgeCompleted, judgeListedLease, retryDelayMs, type LeaseView, type ListedLeaseView } from './lease-rules.js';

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
    ['lost lease, task queued, not run elsewhere, from its holder at that epoch', { ...idle(2, 0), queued: true, lostLeaseByReporter: true }, 2, 'accept'],
    ['lost lease, task queued, but from another worker', { ...idle(2, 0), queued: true, lostLeaseByReporter: false }, 2, 'stale'],
    ['lost lease of an older epoch, task queued', { ...idle(2, 0), queued: true, lostLeaseByReporter: true }, 1, 'stale'],
    ['lost lease, task finished by the orchestrator since', { ...idle(2, 0), queued: false, lostLeaseByReporter: true }, 2, 'stale'],
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

describe('retryDelayMs', () => {
  it('waits about 1 s before the first retry, doubling per attempt, capped at 30 s, with ±25% jitter', () => {
    const middle = (): number => 0.5;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => retryDelayMs(attempt, middle)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.equal(retryDelayMs(1, () => 0), 750);
    assert.equal(retryDelayMs(1, () => 0.999999), 1250);
    assert.equal(retryDelayMs(6, () => 0.999999), 30000, 'never past the cap');
    assert.equal(retryDelayMs(0, middle), 1000, 'attempt 0 reads as the first');
  });
});

describe('judgeListedLease (a lease a heartbeat lists)', () => {
  const view = (over: Partial<ListedLeaseView>): ListedLeaseView => ({ leased: true, queued: false, leaseEpoch: 2, resultEpoch: 0, holder: true, deliverer: false, running: true, ...over });
  const cases: Array<[string, ListedLeaseView | undefined, number, string]> = [
    ['the lease in force, from its holder', view({}), 2, 'renew'],
    ['the lease in force, from another worker', view({ holder: false }), 2, 'revoke'],
    ['an older epoch of a task the same worker holds now: it adopts the newer one', view({}), 1, 'keep'],
    ['an older epoch of a task another worker holds now', view({ holder: false }), 1, 'revoke'],
    ['an epoch never given', view({}), 3, 'revoke'],
    ['unknown task', undefined, 1, 'revoke'],
    ['finished, its result delivered by this worker (the ack settles it)', view({ leased: false, resultEpoch: 2, deliverer: true, holder: false }), 2, 'keep'],
    ['finished by another worker or by the orchestrator', view({ leased: false, resultEpoch: 0, holder: false }), 2, 'revoke'],
    ['lost, queued, still running here: leased to it again, nothing else runs it', view({ leased: false, queued: true }), 2, 'reassign'],
    ['lost, queued, an older epoch still running here', view({ leased: false, queued: true }), 1, 'revoke'],
    ['lost, queued, finished here, result not acknowledged (it may still be accepted)', view({ leased: false, queued: true, running: false }), 2, 'keep'],
    ['lost, queued, held by another worker before', view({ leased: false, queued: true, running: false, holder: false }), 2, 'revoke'],
  ];
  for (const [name, lease, epoch, expected] of cases) {
    it(name, () => assert.equal(judgeListedLease(lease, epoch), expected));
  }
});
