import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TaskState } from '../gen/agent/v1/agent.js';
import { exitCodeForResult } from './exit-codes.js';

describe('exitCodeForResult', () => {
  const cases: Array<[TaskState, number, number]> = [
    [TaskState.TASK_STATE_COMPLETED, 0, 0],
    [TaskState.TASK_STATE_COMPLETED, 3, 3],
    [TaskState.TASK_STATE_COMPLETED, 255, 255],
    [TaskState.TASK_STATE_COMPLETED, -1, 125],
    [TaskState.TASK_STATE_COMPLETED, 300, 125],
    [TaskState.TASK_STATE_TIMEOUT, 137, 124],
    [TaskState.TASK_STATE_CANCELLED, 137, 130],
    [TaskState.TASK_STATE_FAILED, 1, 125],
    [TaskState.TASK_STATE_UNSPECIFIED, 0, 125],
  ];
  for (const [state, exitCode, expected] of cases) {
    it(`${TaskState[state]} exit ${exitCode} → ${expected}`, () => assert.equal(exitCodeForResult({ state, exitCode }), expected));
  }
});
