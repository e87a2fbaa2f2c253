import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TaskResult, TaskState } from '../gen/agent/v1/agent.js';
import { formatErrorLine, stateName, toResultJson } from './format-result.js';

describe('toResultJson', () => {
  it('has exactly the documented fields, output as UTF-8 text', () => {
    const result = TaskResult.fromPartial({
      state: TaskState.TASK_STATE_COMPLETED,
      exitCode: 2,
      stdout: Buffer.from('héllo'),
      stderr: Buffer.from('oops'),
      stdoutTruncated: true,
      durationMs: 12,
      worker: 'w1',
    });
    assert.deepEqual(toResultJson('t1', result), {
      taskId: 't1',
      state: 'COMPLETED',
      exitCode: 2,
      stdout: 'héllo',
      stderr: 'oops',
      stdoutTruncated: true,
      stderrTruncated: false,
      durationMs: 12,
      worker: 'w1',
      error: null,
    });
  });

  it('carries the error', () => {
    const result = TaskResult.fromPartial({ state: TaskState.TASK_STATE_FAILED, error: { code: 'PATH_ESCAPE', message: 'no' } });
    assert.deepEqual(toResultJson('t', result).error, { code: 'PATH_ESCAPE', message: 'no' });
    assert.equal(toResultJson('t', result).state, 'FAILED');
  });
});

describe('stateName / formatErrorLine', () => {
  it('names states without the prefix', () => {
    assert.equal(stateName(TaskState.TASK_STATE_TIMEOUT), 'TIMEOUT');
    assert.equal(stateName(TaskState.TASK_STATE_CANCELLED), 'CANCELLED');
    assert.equal(stateName(42 as TaskState), 'UNKNOWN_42');
  });
  it('formats error lines', () => {
    assert.equal(formatErrorLine({ code: 'NO_WORKER', message: 'none' }), 'error NO_WORKER: none\n');
  });
});
