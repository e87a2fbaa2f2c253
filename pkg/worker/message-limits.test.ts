import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskResult, WorkerMessage } from '../gen/agent/v1/agent.js';
import { advertisedReceiveLimit, outputChunkBytes, sessionSendLimit, wholeResultCut } from './message-limits.js';

const MiB = 1024 * 1024;

function result(taskId: string, stdout = Buffer.alloc(0), stderr = Buffer.alloc(0)): WorkerMessage {
  const completed = TaskResult.fromPartial({ cause: 'COMPLETED', worker: 'w', runtime: 'runc', stdout, stderr, outputIncluded: true, error: { code: 'X', message: 'm'.repeat(500) } });
  return { taskId, leaseEpoch: 7, event: { $case: 'completed', completed } };
}

const size = (message: WorkerMessage): number => WorkerMessage.encode(message).finish().length;

describe('sessionSendLimit', () => {
  it('takes the orchestrator\'s limit, 4 MiB when it says none, never more than the worker\'s own', () => {
    assert.equal(sessionSendLimit(0, 100 * MiB), 4 * MiB);
    assert.equal(sessionSendLimit(16 * MiB, 100 * MiB), 16 * MiB);
    assert.equal(sessionSendLimit(16 * MiB, 8 * MiB), 8 * MiB);
    assert.equal(sessionSendLimit(0, MiB), MiB);
  });

  it('advertises a receive limit as a uint32', () => {
    assert.equal(advertisedReceiveLimit(100 * MiB), 100 * MiB);
    assert.equal(advertisedReceiveLimit(2 ** 31 - 1), 2 ** 31 - 1);
    assert.equal(advertisedReceiveLimit(2 ** 40), 0xffff_ffff);
  });
});

describe('outputChunkBytes', () => {
  for (const taskId of ['t', 'é'.repeat(512)]) {
    it(`an output message of the largest chunk fits the limit (task id of ${Buffer.byteLength(taskId)} bytes)`, () => {
      for (const limit of [4096, 64 * 1024, 4 * MiB]) {
        const data = Buffer.alloc(outputChunkBytes(limit, taskId));
        const message: WorkerMessage = { taskId, leaseEpoch: 2 ** 40, event: { $case: 'output', output: { stream: 2, data, offset: 2 ** 40 } } };
        assert.ok(size(message) <= limit, `${size(message)} <= ${limit}`);
        assert.ok(data.length > limit - Buffer.byteLength(taskId) - 100);
      }
    });
  }

  it('is at least one byte', () => {
    assert.equal(outputChunkBytes(10, 'task'), 1);
  });
});

describe('wholeResultCut', () => {
  const limit = 64 * 1024;
  const cases: Array<[string, number, number, (cut: { stdout: number; stderr: number }) => void]> = [
    ['both fit: nothing cut', 1000, 2000, (cut) => assert.deepEqual(cut, { stdout: 1000, stderr: 2000 })],
    ['a short stderr is kept whole, stdout gets the rest', 5 * MiB, 100, (cut) => assert.equal(cut.stderr, 100)],
    ['a short stdout is kept whole, stderr gets the rest', 100, 5 * MiB, (cut) => assert.equal(cut.stdout, 100)],
    ['both long: half each', 5 * MiB, 5 * MiB, (cut) => assert.ok(Math.abs(cut.stdout - cut.stderr) <= 1)],
  ];
  for (const [name, stdout, stderr, check] of cases) {
    it(name, () => {
      const empty = result('task-1');
      const cut = wholeResultCut(empty, { stdout, stderr }, limit);
      check(cut);
      assert.ok(cut.stdout <= stdout && cut.stderr <= stderr);
      const whole = result('task-1', Buffer.alloc(cut.stdout), Buffer.alloc(cut.stderr));
      const completed = whole.event?.$case === 'completed' ? whole.event.completed : undefined;
      if (completed) Object.assign(completed, { stdoutTruncated: true, stderrTruncated: true });
      assert.ok(size(whole) <= limit, `${size(whole)} <= ${limit}`);
      if (stdout + stderr > limit) assert.ok(size(whole) > limit - 8 * 1024, 'most of the room is used');
    });
  }

  it('keeps nothing when the result alone does not fit', () => {
    assert.deepEqual(wholeResultCut(result('task-1'), { stdout: 10, stderr: 10 }, 100), { stdout: 0, stderr: 0 });
  });
});
