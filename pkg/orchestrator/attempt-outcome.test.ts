import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskResult, TaskState } from '../gen/agent/v1/agent.js';
import { workerOutcome } from './attempt-outcome.js';

const reported = (fields: Partial<TaskResult>) => TaskResult.fromPartial({ state: TaskState.TASK_STATE_FAILED, exitCode: -1, ...fields });

describe('workerOutcome: the worker’s completed as the orchestrator takes it', () => {
  it('keeps a known cause and its retryable flag', () => {
    const outcome = workerOutcome(reported({ cause: 'ENGINE_UNAVAILABLE', retryable: true }));
    assert.equal(outcome.cause, 'ENGINE_UNAVAILABLE');
    assert.equal(outcome.retryable, true);
  });

  it('takes a cause it does not know as a failure that is not retryable (docs/protocol.md §2)', () => {
    const outcome = workerOutcome(reported({ cause: 'FROM_A_NEWER_WORKER', retryable: true }));
    assert.equal(outcome.cause, 'FROM_A_NEWER_WORKER', 'kept as sent, for the client');
    assert.equal(outcome.retryable, false, 'not run again on the word of a cause it cannot judge');
  });

  it('passes on that the worker could not keep its copy of the output', () => {
    assert.equal(workerOutcome(reported({ state: TaskState.TASK_STATE_COMPLETED, exitCode: 0, outputNotKept: true })).outputNotKept, true);
    assert.equal(workerOutcome(reported({ state: TaskState.TASK_STATE_COMPLETED, exitCode: 0 })).outputNotKept, false);
  });

  it('derives a missing cause from the state, and fails a non-final state INTERNAL', () => {
    assert.equal(workerOutcome(reported({ state: TaskState.TASK_STATE_TIMEOUT })).cause, 'TOOL_TIMEOUT');
    assert.equal(workerOutcome(reported({ state: TaskState.TASK_STATE_COMPLETED, exitCode: 1 })).cause, 'NON_ZERO_EXIT');
    const running = workerOutcome(reported({ state: TaskState.TASK_STATE_RUNNING }));
    assert.equal(running.cause, 'INTERNAL');
    assert.equal(running.state, TaskState.TASK_STATE_FAILED);
  });
});
