import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetTaskResponse, TaskResult, TaskState } from '../gen/agent/v1/agent.js';
import { formatErrorLine, formatResultLine, formatTaskSummary, stateName, toResultJson, toTaskJson } from './format-result.js';
import { ansi } from './terminal-style.js';

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
      cause: 'NON_ZERO_EXIT',
      attempt: 2,
      runtime: 'runsc',
      profile: 'baaaht/v1 runtime=runsc network=none workspace=ro user=1000:1000 policy=strict',
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
      cause: 'NON_ZERO_EXIT',
      retryable: false,
      attempt: 2,
      runtime: 'runsc',
      profile: 'baaaht/v1 runtime=runsc network=none workspace=ro user=1000:1000 policy=strict',
    });
  });

  it('carries the error', () => {
    const result = TaskResult.fromPartial({ state: TaskState.TASK_STATE_FAILED, error: { code: 'PATH_ESCAPE', message: 'no' } });
    assert.deepEqual(toResultJson('t', result).error, { code: 'PATH_ESCAPE', message: 'no' });
    assert.equal(toResultJson('t', result).state, 'FAILED');
  });
});

describe('toTaskJson / formatTaskSummary (task get)', () => {
  const finished = GetTaskResponse.fromPartial({
    taskId: 't1',
    state: TaskState.TASK_STATE_FAILED,
    worker: 'w1',
    attempt: 3,
    toolType: 'grep',
    result: {
      state: TaskState.TASK_STATE_FAILED,
      exitCode: -1,
      stdout: Buffer.from('partial'),
      durationMs: 40,
      worker: 'w1',
      cause: 'WORKER_LOST',
      retryable: true,
      attempt: 3,
      error: { code: 'WORKER_LOST', message: 'gone' },
    },
  });
  const pending = GetTaskResponse.fromPartial({ taskId: 't2', state: TaskState.TASK_STATE_RUNNING, worker: 'w2', attempt: 1, toolType: 'list' });

  it('prints run --json for a finished task', () => {
    assert.deepEqual(toTaskJson(finished), toResultJson('t1', finished.result!));
  });

  it('prints the same keys, result fields null, for an unfinished one', () => {
    const json = toTaskJson(pending);
    assert.deepEqual(Object.keys(json), Object.keys(toResultJson('t1', finished.result!)));
    assert.deepEqual(json, {
      taskId: 't2', state: 'RUNNING', exitCode: null, stdout: null, stderr: null, stdoutTruncated: null, stderrTruncated: null,
      durationMs: null, worker: 'w2', error: null, cause: null, retryable: null, attempt: 1, runtime: null, profile: null,
    });
  });

  it('summarizes', () => {
    assert.equal(
      formatTaskSummary(finished),
      [
        'task       t1',
        'tool       grep',
        'state      FAILED',
        'worker     w1 (attempt 3)',
        'exit code  -1',
        'cause      WORKER_LOST (retryable)',
        'duration   40 ms',
        'stdout     7 bytes',
        'stderr     0 bytes',
        'error      WORKER_LOST: gone',
        '--- stdout ---',
        'partial',
        '',
      ].join('\n'),
    );
    assert.equal(formatTaskSummary(GetTaskResponse.fromPartial({ taskId: 't3', state: TaskState.TASK_STATE_QUEUED, toolType: 'list' })), [
      'task    t3', 'tool    list', 'state   QUEUED', 'worker  -', '',
    ].join('\n'));
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

describe('formatResultLine', () => {
  const done = TaskResult.fromPartial({ state: TaskState.TASK_STATE_COMPLETED, exitCode: 0, durationMs: 21, worker: 'w1', attempt: 1, cause: 'COMPLETED' });
  it('names the state, the worker that ran the task, exit code, duration and a later attempt', () => {
    assert.equal(formatResultLine('t-1', done), 'task t-1 COMPLETED on w1 (exit 0, 21 ms)\n');
    assert.equal(formatResultLine('t-1', { ...done, exitCode: 3, cause: 'NON_ZERO_EXIT', attempt: 2 }), 'task t-1 COMPLETED on w1 (exit 3, 21 ms, attempt 2)\n');
    assert.equal(formatResultLine('t-1', { ...done, cause: 'OUTPUT_TRUNCATED' }), 'task t-1 COMPLETED on w1 (exit 0, 21 ms, OUTPUT_TRUNCATED)\n');
  });
  it('leaves out what is not known, and a cause the error line already says', () => {
    const noWorker = TaskResult.fromPartial({ state: TaskState.TASK_STATE_FAILED, exitCode: -1, cause: 'NO_WORKER', error: { code: 'NO_WORKER', message: 'none' } });
    assert.equal(formatResultLine('t-2', noWorker), 'task t-2 FAILED\n');
    assert.equal(formatResultLine('', noWorker), 'task (unknown) FAILED\n');
  });
  it('colours the state and the worker when asked', () => {
    assert.equal(formatResultLine('t-1', done, ansi), 'task t-1 \u001b[32mCOMPLETED\u001b[39m on \u001b[1mw1\u001b[22m (exit 0, 21 ms)\n');
    assert.equal(
      formatResultLine('t-1', { ...done, state: TaskState.TASK_STATE_TIMEOUT, exitCode: 137, cause: 'TOOL_TIMEOUT' }, ansi),
      'task t-1 \u001b[31mTIMEOUT\u001b[39m on \u001b[1mw1\u001b[22m (exit 137, 21 ms, TOOL_TIMEOUT)\n',
    );
  });
});
