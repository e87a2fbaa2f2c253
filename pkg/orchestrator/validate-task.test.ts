import type { Placement } from '../placement/placement.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Task } from '../gen/agent/v1/agent.js';
import { checkRequestNames, idempotencyKeyProblem, MAX_NAME_BYTES, unsupportedFeature, validateTask } from './validate-task.js';

const limits = { maxTaskBytes: 1024 };

describe('validateTask', () => {
  const cases: Array<{ name: string; task: Task; code: string | undefined }> = [
    { name: 'a matching built-in task', task: Task.fromPartial({ toolType: 'file_read', params: { $case: 'fileRead', fileRead: { path: 'a' } } }), code: undefined },
    { name: 'a custom tool with custom params', task: Task.fromPartial({ toolType: 'my_tool', params: { $case: 'custom', custom: { values: { a: 'b' } } } }), code: undefined },
    { name: 'a custom tool without params', task: Task.fromPartial({ toolType: 'my_tool' }), code: undefined },
    { name: 'no tool type', task: Task.fromPartial({ params: { $case: 'list', list: { path: '.' } } }), code: 'INVALID_PARAMS' },
    { name: 'built-in with the wrong params case', task: Task.fromPartial({ toolType: 'file_read', params: { $case: 'list', list: { path: '.' } } }), code: 'INVALID_PARAMS' },
    { name: 'built-in without params', task: Task.fromPartial({ toolType: 'grep' }), code: 'INVALID_PARAMS' },
    { name: 'built-in with custom params', task: Task.fromPartial({ toolType: 'list', params: { $case: 'custom', custom: { values: {} } } }), code: 'INVALID_PARAMS' },
    { name: 'custom tool with built-in params', task: Task.fromPartial({ toolType: 'my_tool', params: { $case: 'list', list: { path: '.' } } }), code: 'INVALID_PARAMS' },
    { name: 'a session', task: Task.fromPartial({ toolType: 'my_tool', sessionId: 's1' }), code: 'SESSION_UNSUPPORTED' },
    { name: 'too large to forward', task: Task.fromPartial({ toolType: 'file_write', params: { $case: 'fileWrite', fileWrite: { path: 'a', content: Buffer.alloc(2000) } } }), code: 'MESSAGE_TOO_LARGE' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const error = validateTask(c.task, limits);
      assert.equal(error?.code, c.code, error?.message);
      if (error) assert.ok(error.message.length > 0);
    });
  }

  it('names the tool and the expected case', () => {
    const error = validateTask(Task.fromPartial({ toolType: 'file_read', params: { $case: 'list', list: { path: '.' } } }), limits);
    assert.equal(error?.message, 'file_read expects params case fileRead, got params case list');
  });
});

describe('checkRequestNames', () => {
  const task = (toolType: string): Task => Task.fromPartial({ toolType, params: { $case: 'custom', custom: { values: {} } } });
  const on = (worker: string, rest: Partial<Placement> = {}): Placement => ({ worker, group: '', labels: {}, ...rest });

  it('accepts names up to the limit, in UTF-8 bytes', () => {
    assert.equal(checkRequestNames(task('file_read'), on('')), undefined);
    assert.equal(checkRequestNames(task('t'.repeat(MAX_NAME_BYTES)), on('w'.repeat(MAX_NAME_BYTES))), undefined);
  });

  it('refuses a longer tool type or worker target, saying which and how long, without echoing it', () => {
    const long = checkRequestNames(task('t'.repeat(MAX_NAME_BYTES + 1)), on(''));
    assert.equal(long, `task.tool_type is ${MAX_NAME_BYTES + 1} bytes long, more than the ${MAX_NAME_BYTES} allowed`);
    const wide = checkRequestNames(task('file_read'), on('é'.repeat(MAX_NAME_BYTES / 2 + 1)));
    assert.equal(wide, `worker is ${MAX_NAME_BYTES + 2} bytes long, more than the ${MAX_NAME_BYTES} allowed`);
    assert.ok((checkRequestNames(task('x'.repeat(3_000_000)), on('')) ?? '').length < 100);
  });

  it('refuses control characters in the tool type and the worker target', () => {
    assert.equal(checkRequestNames(task('file_read\u001b[2J'), on('')), 'task.tool_type contains control characters');
    assert.equal(checkRequestNames(task('file_read'), on('w1\r\n')), 'worker contains control characters');
  });

  it('checks the group and labels a task asks for', () => {
    assert.equal(checkRequestNames(task('file_read'), on('', { group: 'gpu', labels: { zone: 'eu-1', 'platform.runtime.runsc': 'true' } })), undefined);
    assert.match(checkRequestNames(task('file_read'), on('', { group: 'GPU!' })) ?? '', /^group "GPU!" is not 1–63 lower-case/);
    assert.match(checkRequestNames(task('file_read'), on('', { labels: { 'bad key': 'x' } })) ?? '', /^label key "bad key" is not/);
    assert.match(checkRequestNames(task('file_read'), on('', { labels: { zone: 'a b' } })) ?? '', /^label zone: value "a b" is not/);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    assert.equal(checkRequestNames(task('file_read'), on('', { labels: many })), '65 labels: at most 64');
  });
});

describe('unsupportedFeature', () => {
  it('names a session (Task.session_id), which this version does not have', () => {
    assert.equal(unsupportedFeature(Task.fromPartial({ toolType: 'file_read', sessionId: 'agent-7' })), 'sessions are not supported yet (Task.session_id)');
    assert.equal(unsupportedFeature(Task.fromPartial({ toolType: 'file_read' })), undefined);
  });
});

describe('idempotencyKeyProblem', () => {
  it('accepts printable ASCII up to 128 bytes, and no key', () => {
    for (const key of ['', 'order-42', 'k'.repeat(128), ' ~!']) assert.equal(idempotencyKeyProblem(key), undefined, key);
  });
  it('refuses longer keys and control or non-ASCII characters', () => {
    assert.match(idempotencyKeyProblem('k'.repeat(129)) ?? '', /129 bytes/);
    for (const key of ['a\nb', 'tab\t', 'é', '\u007f']) assert.match(idempotencyKeyProblem(key) ?? '', /printable/, JSON.stringify(key));
  });
});
