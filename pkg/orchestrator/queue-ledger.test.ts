import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkQueueLimits, createQueueLedger, isQueueLimitError } from './queue-ledger.js';

const limits = { maxQueuedTasks: 3, maxQueuedBytes: 100, maxTasksPerClient: 2 };

describe('checkQueueLimits', () => {
  const usage = (tasks: number, bytes: number, mine: number) => ({ tasks, bytes, tasksOf: () => mine });
  for (const [name, tasks, bytes, mine, size, limit] of [
    ['room left', 2, 50, 1, 50, undefined],
    ['all tasks', 3, 0, 0, 1, 'maxQueuedTasks'],
    ['bytes: one more byte than the limit', 0, 50, 0, 51, 'maxQueuedBytes'],
    ['bytes: exactly the limit', 0, 50, 0, 50, undefined],
    ['one client', 2, 0, 2, 1, 'maxTasksPerClient'],
  ] as const) {
    it(`${name}: ${limit ?? 'admitted'}`, () => {
      const refusal = checkQueueLimits(limits, usage(tasks, bytes, mine), 'token:a', size);
      assert.equal(refusal?.limit, limit);
    });
  }

  it('names the option and its value in the message', () => {
    assert.match(checkQueueLimits(limits, usage(3, 0, 0), 'x', 1)!.message, /--max-queued-tasks 3/);
    assert.match(checkQueueLimits(limits, usage(0, 99, 0), 'x', 2)!.message, /--max-queued-bytes 100/);
    assert.match(checkQueueLimits(limits, usage(0, 0, 2), 'x', 1)!.message, /--max-tasks-per-client 2/);
  });
});

describe('createQueueLedger', () => {
  it('counts tasks, bytes and tasks per owner; removing frees them; a refused task changes nothing', () => {
    const ledger = createQueueLedger(limits);
    ledger.admit('t1', 'a', 40);
    ledger.admit('t2', 'a', 40);
    assert.throws(() => ledger.admit('t3', 'a', 1), (e: unknown) => isQueueLimitError(e) && e.refusal.limit === 'maxTasksPerClient');
    assert.throws(() => ledger.admit('t3', 'b', 21), (e: unknown) => isQueueLimitError(e) && e.refusal.limit === 'maxQueuedBytes');
    assert.deepEqual([ledger.usage.tasks, ledger.usage.bytes, ledger.usage.tasksOf('a'), ledger.usage.tasksOf('b')], [2, 80, 2, 0]);
    ledger.admit('t3', 'b', 20);
    assert.equal(ledger.ownerOf('t3'), 'b');
    ledger.remove('t1');
    ledger.remove('t1');
    assert.deepEqual([ledger.usage.tasks, ledger.usage.bytes, ledger.usage.tasksOf('a')], [2, 60, 1]);
    assert.equal(ledger.ownerOf('t1'), undefined);
    ledger.add('restored', 'a', 1000); // restored after a restart: taken as it is
    assert.deepEqual([ledger.usage.tasks, ledger.usage.bytes], [3, 1060]);
  });
});
