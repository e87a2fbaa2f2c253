import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REMEMBERED_CANCEL_MS, RememberedCancels } from './remembered-cancels.js';

describe('RememberedCancels (a fake clock)', () => {
  it('cancels a later assignment with the cancel\'s epoch or a lower one, not a higher one', () => {
    const cancels = new RememberedCancels(() => 0);
    cancels.remember('t', 3);
    assert.equal(cancels.cancels('t', 2), true);
    assert.equal(cancels.cancels('t', 3), true);
    assert.equal(cancels.cancels('t', 4), false, 'a newer lease than the cancel saw');
    assert.equal(cancels.cancels('other', 1), false);
  });

  it('epoch 0 cancels any lease; two cancels of a task count as the wider', () => {
    const cancels = new RememberedCancels(() => 0);
    cancels.remember('any', 0);
    assert.equal(cancels.cancels('any', 99), true);
    cancels.remember('t', 2);
    cancels.remember('t', 5);
    cancels.remember('t', 1);
    assert.equal(cancels.cancels('t', 5), true);
    cancels.remember('t', 0);
    assert.equal(cancels.cancels('t', 50), true);
  });

  it('forgets a cancel after 10 minutes', () => {
    let now = 0;
    const cancels = new RememberedCancels(() => now);
    cancels.remember('t', 1);
    now = REMEMBERED_CANCEL_MS;
    assert.equal(cancels.cancels('t', 1), true, 'exactly 10 minutes: still remembered');
    now += 1;
    assert.equal(cancels.cancels('t', 1), false);
    assert.equal(cancels.size, 0);
  });

  it('keeps at most its capacity, the oldest going first, and drops expired ones as new ones come', () => {
    let now = 0;
    const cancels = new RememberedCancels(() => now, 3, 1_000);
    for (const taskId of ['a', 'b', 'c', 'd']) cancels.remember(taskId, 1);
    assert.equal(cancels.size, 3);
    assert.equal(cancels.cancels('a', 1), false);
    assert.equal(cancels.cancels('d', 1), true);
    cancels.remember('b', 1); // remembered again: now the newest
    cancels.remember('e', 1);
    assert.equal(cancels.cancels('c', 1), false, 'the oldest went');
    assert.equal(cancels.cancels('b', 1), true);
    now = 1_500;
    cancels.remember('f', 1);
    assert.equal(cancels.size, 1, 'the expired ones went');
  });
});
