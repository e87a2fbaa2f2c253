import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWorkerError } from '../errors/index.js';
import type { TaskParams } from '../tools/index.js';
import { toTask, type ExecuteTaskRequest } from './execute-task-request.js';

describe('toTask', () => {
  it('fills the defaults of a bare request', () => {
    assert.deepEqual(toTask({ toolType: 'fetch_url' }), {
      toolType: 'fetch_url',
      mountSource: '',
      writable: false,
      timeoutMs: 0,
      sessionId: '',
      params: undefined,
    });
  });

  it('copies the mount, writable flag and session', () => {
    const task = toTask({ toolType: 'file_write', mountSource: '/srv/ws', writable: true, sessionId: 's-1' });
    assert.equal(task.mountSource, '/srv/ws');
    assert.equal(task.writable, true);
    assert.equal(task.sessionId, 's-1');
  });

  it('passes typed params through', () => {
    const params: TaskParams = { $case: 'grep', grep: { pattern: 'TODO', path: 'src', recursive: true, ignoreCase: false } };
    assert.deepEqual(toTask({ toolType: 'grep', params }).params, params);
  });

  const short: Array<{ toolType: string; params: Record<string, unknown>; expected: TaskParams }> = [
    { toolType: 'file_read', params: { path: 'a.txt' }, expected: { $case: 'fileRead', fileRead: { path: 'a.txt' } } },
    { toolType: 'list', params: { path: 'src' }, expected: { $case: 'list', list: { path: 'src' } } },
    {
      toolType: 'file_edit',
      params: { path: 'a', search: 'x', replace: 'y' },
      expected: { $case: 'fileEdit', fileEdit: { path: 'a', search: 'x', replace: 'y' } },
    },
    { toolType: 'fetch_url', params: { url: 'https://example.com/' }, expected: { $case: 'fetchUrl', fetchUrl: { url: 'https://example.com/' } } },
    { toolType: 'web_search', params: { query: 'baaaht' }, expected: { $case: 'webSearch', webSearch: { query: 'baaaht' } } },
  ];
  for (const c of short) {
    it(`wraps short params of ${c.toolType} in the ${c.expected.$case} case`, () => {
      assert.deepEqual(toTask({ toolType: c.toolType, params: c.params }).params, c.expected);
    });
  }

  it('wraps short file_write params, content as bytes', () => {
    const params = toTask({ toolType: 'file_write', params: { path: 'out.txt', content: Buffer.from('hi') } }).params;
    assert.equal(params?.$case, 'fileWrite');
    assert.ok(params?.$case === 'fileWrite');
    assert.equal(params.fileWrite.path, 'out.txt');
    assert.equal(Buffer.from(params.fileWrite.content).toString(), 'hi');
  });

  it('gives a registered tool its values as strings', () => {
    const params = toTask({ toolType: 'word-count', params: { file: 'a.txt', lines: 3, all: true } }).params;
    assert.deepEqual(params, { $case: 'custom', custom: { values: { file: 'a.txt', lines: '3', all: 'true' } } });
  });

  it('treats a tool named like an Object property as a registered tool', () => {
    assert.equal(toTask({ toolType: 'toString', params: { a: 'b' } }).params?.$case, 'custom');
  });

  const timeouts: Array<{ timeout: ExecuteTaskRequest['timeout']; ms: number }> = [
    { timeout: 1500, ms: 1500 },
    { timeout: 0, ms: 0 },
    { timeout: 1500.6, ms: 1501 },
    { timeout: '30s', ms: 30_000 },
    { timeout: '2m', ms: 120_000 },
    { timeout: '250ms', ms: 250 },
    { timeout: '1500', ms: 1500 },
  ];
  for (const c of timeouts) {
    it(`timeout ${JSON.stringify(c.timeout)} → ${c.ms} ms`, () => {
      assert.equal(toTask({ toolType: 'file_read', timeout: c.timeout }).timeoutMs, c.ms);
    });
  }

  const bad: ReadonlyArray<number | string> = ['', 'soon', '30 parsecs', '-5s', -1, Number.NaN, Number.POSITIVE_INFINITY, 'x'.repeat(101)];
  for (const timeout of bad) {
    it(`refuses timeout ${JSON.stringify(timeout).slice(0, 20)} with INVALID_PARAMS`, () => {
      assert.throws(
        () => toTask({ toolType: 'file_read', timeout }),
        (error: unknown) => isWorkerError(error) && error.code === 'INVALID_PARAMS' && /is not a duration/.test(error.message),
      );
    });
  }
});
