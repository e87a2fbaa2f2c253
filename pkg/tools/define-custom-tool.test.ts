import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkerError } from '../errors/index.js';
import { defineCustomTool, type CustomToolDefinition } from './define-custom-tool.js';
import type { TaskParams } from './tool-spec.js';
import { throwsCode } from '../../test/support/throws-code.js';


const custom = (values: Record<string, string>): TaskParams => ({ $case: 'custom', custom: { values } });

const BASE: CustomToolDefinition = {
  type: 'word-count',
  description: 'Count words of a file',
  image: 'busybox:1.36',
  argv: (values) => ['wc', '-w', '--', `/workspace/${values['file'] ?? ''}`],
};

describe('defineCustomTool', () => {
  it('has the defaults: network none, mount none, file-tool limits, 30 s, no runtime', () => {
    const spec = defineCustomTool(BASE);
    assert.equal(spec.type, 'word-count');
    assert.equal(spec.description, 'Count words of a file');
    assert.equal(spec.image, 'busybox:1.36');
    assert.equal(spec.network, 'none');
    assert.equal(spec.mount, 'none');
    assert.deepEqual(spec.limits, { cpus: 0.1, memoryBytes: 64 * 1024 * 1024, pids: 10 });
    assert.equal(spec.timeoutMs, 30_000);
    assert.equal(spec.runtime, undefined);
  });

  it('takes every setting it is given, limits field by field', () => {
    const spec = defineCustomTool({
      ...BASE,
      network: 'bridge',
      mount: 'read',
      limits: { memoryBytes: 1024 },
      timeoutMs: 5_000,
      runtime: 'runsc',
    });
    assert.deepEqual(
      { network: spec.network, mount: spec.mount, limits: spec.limits, timeoutMs: spec.timeoutMs, runtime: spec.runtime },
      { network: 'bridge', mount: 'read', limits: { cpus: 0.1, memoryBytes: 1024, pids: 10 }, timeoutMs: 5_000, runtime: 'runsc' },
    );
  });

  it('passes the values map to argv and stdin', () => {
    const spec = defineCustomTool({ ...BASE, stdin: (values) => values['input'] });
    assert.deepEqual(spec.buildInvocation(custom({ file: 'a.txt', input: 'héllo' })), {
      argv: ['wc', '-w', '--', '/workspace/a.txt'],
      stdin: Buffer.from('héllo', 'utf8'),
    });
    assert.deepEqual(spec.buildInvocation(custom({ file: 'b' })), { argv: ['wc', '-w', '--', '/workspace/b'] });
  });

  it('passes stdin bytes through', () => {
    const bytes = new Uint8Array([0, 255]);
    const spec = defineCustomTool({ ...BASE, stdin: () => bytes });
    assert.equal(spec.buildInvocation(custom({})).stdin, bytes);
  });

  it('hands argv a frozen copy, with __proto__ as an ordinary key', () => {
    let seen: Readonly<Record<string, string>> | undefined;
    const spec = defineCustomTool({ ...BASE, argv: (values) => { seen = values; return ['true']; } });
    const values = JSON.parse('{"__proto__": "x", "a": "1"}') as Record<string, string>;
    spec.buildInvocation(custom(values));
    assert.ok(seen !== undefined);
    assert.ok(Object.isFrozen(seen));
    assert.notEqual(seen, values);
    assert.deepEqual(Object.keys(seen), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(seen), Object.prototype);
  });

  it('accepts only the custom params case', () => {
    const spec = defineCustomTool(BASE);
    throwsCode(() => spec.buildInvocation(undefined), 'INVALID_PARAMS', /word-count expects CustomParams \(params case custom\), got no params/);
    throwsCode(
      () => spec.buildInvocation({ $case: 'fileRead', fileRead: { path: 'a' } }),
      'INVALID_PARAMS',
      /expects CustomParams .*got params case "fileRead"/,
    );
  });

  it('refuses a values map with non-string values', () => {
    const spec = defineCustomTool(BASE);
    const params = { $case: 'custom', custom: { values: { a: 1 } } } as unknown as TaskParams;
    throwsCode(() => spec.buildInvocation(params), 'INVALID_PARAMS', /"a" must be a string/);
  });

  it('keeps WorkerErrors from argv and turns other errors into INVALID_PARAMS', () => {
    const typed = defineCustomTool({ ...BASE, argv: () => { throw new WorkerError('PATH_ESCAPE', 'nope'); } });
    throwsCode(() => typed.buildInvocation(custom({})), 'PATH_ESCAPE', /^nope$/);
    const plain = defineCustomTool({ ...BASE, argv: () => { throw new Error('file is required'); } });
    throwsCode(() => plain.buildInvocation(custom({})), 'INVALID_PARAMS', /^word-count: file is required$/);
  });

  it('refuses an argv that is empty, not strings, or holds NUL', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /non-empty array/],
      ['echo hi', /non-empty array/],
      [[''], /argv\[0\]/],
      [['echo', 'a\0b'], /argv\[1\]/],
      [['echo', 3], /argv\[1\]/],
    ];
    for (const [result, message] of cases) {
      const spec = defineCustomTool({ ...BASE, argv: () => result as string[] });
      throwsCode(() => spec.buildInvocation(custom({})), 'INVALID_PARAMS', message);
    }
  });

  it('refuses a stdin that is not bytes or a string', () => {
    const spec = defineCustomTool({ ...BASE, stdin: () => 42 as unknown as string });
    throwsCode(() => spec.buildInvocation(custom({})), 'INVALID_PARAMS', /stdin/);
  });

  it('refuses an invalid definition at once', () => {
    throwsCode(() => defineCustomTool({ ...BASE, type: 'Bad Type' }), 'INVALID_PARAMS', /must match/);
    throwsCode(() => defineCustomTool({ ...BASE, image: '' }), 'INVALID_PARAMS', /image/);
    throwsCode(() => defineCustomTool({ ...BASE, timeoutMs: 0 }), 'INVALID_PARAMS', /timeoutMs/);
    throwsCode(() => defineCustomTool({ ...BASE, limits: { pids: -1 } }), 'INVALID_PARAMS', /pids/);
    throwsCode(() => defineCustomTool({ ...BASE, mount: 'rw' as 'read' }), 'INVALID_PARAMS', /mount/);
    throwsCode(() => defineCustomTool({ ...BASE, argv: undefined as unknown as () => string[] }), 'INVALID_PARAMS', /argv must be a function/);
  });
});
