// #12 §1: a missing or empty required parameter is refused with INVALID_PARAMS (INVALID_URL for
// fetch_url's url, INVALID_PARAMS/INVALID_PATTERN never reached) before any container exists, for
// every built-in tool and for configured tools' `required: true` parameters. Optional ones (the
// search tools' path, which is the workspace root when empty) keep working when empty.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../errors/index.js';
import type { BuiltinToolOptions } from './builtin-tool-options.js';
import { createBuiltinTools } from './create-builtin-tools.js';
import { createConfiguredTool } from './create-configured-tool.js';
import type { TaskParams, ToolSpec } from './tool-spec.js';
import { throwsCode } from '../../test/support/throws-code.js';

const OPTIONS: BuiltinToolOptions = {
  image: 'baaaht/tools:0.1.0',
  searchUrlTemplate: 'https://search.example/html/?q={query}&kl=en',
  maxFetchBytes: 1_000_000,
  webNetwork: 'bridge',
  overrides: {},
};
const CONTEXT = { egressProxyUrl: 'http://172.18.0.1:3128' };
const TOOLS = new Map(createBuiltinTools(OPTIONS).map((spec) => [spec.type, spec]));

function builtin(type: string): ToolSpec {
  const spec = TOOLS.get(type);
  assert.ok(spec, `built-in tool ${type}`);
  return spec;
}

// A field left out entirely reaches the tool as undefined only from a JS caller (the wire decodes
// it as ''); both must be refused. The casts build exactly those hostile shapes.
const params = (value: Record<string, unknown>): TaskParams => value as unknown as TaskParams;

interface RefusedCase {
  readonly name: string;
  readonly tool: string;
  readonly params: TaskParams;
  readonly code: ErrorCode;
  readonly message?: RegExp;
  /** True when the code before #12 §1 built an invocation (a container would have started). */
  readonly startedBefore?: boolean;
}

const refusedCases: readonly RefusedCase[] = [
  { name: 'file_read, empty path', tool: 'file_read', params: params({ $case: 'fileRead', fileRead: { path: '' } }), code: 'INVALID_PARAMS', message: /path must name a file/, startedBefore: true },
  { name: 'file_read, path "."', tool: 'file_read', params: params({ $case: 'fileRead', fileRead: { path: '.' } }), code: 'INVALID_PARAMS', startedBefore: true },
  { name: 'file_read, path "/workspace/"', tool: 'file_read', params: params({ $case: 'fileRead', fileRead: { path: '/workspace/' } }), code: 'INVALID_PARAMS', startedBefore: true },
  { name: 'file_read, path left out', tool: 'file_read', params: params({ $case: 'fileRead', fileRead: {} }), code: 'INVALID_PARAMS' },
  { name: 'file_read, no params', tool: 'file_read', params: params({ $case: 'fileRead' }), code: 'INVALID_PARAMS' },
  { name: 'file_write, empty path', tool: 'file_write', params: params({ $case: 'fileWrite', fileWrite: { path: '', content: Buffer.from('x') } }), code: 'INVALID_PARAMS' },
  { name: 'file_write, content left out', tool: 'file_write', params: params({ $case: 'fileWrite', fileWrite: { path: 'a' } }), code: 'INVALID_PARAMS' },
  { name: 'file_edit, empty path', tool: 'file_edit', params: params({ $case: 'fileEdit', fileEdit: { path: '', search: 'a', replace: 'b' } }), code: 'INVALID_PARAMS' },
  { name: 'file_edit, empty search', tool: 'file_edit', params: params({ $case: 'fileEdit', fileEdit: { path: 'a', search: '', replace: 'b' } }), code: 'INVALID_PARAMS' },
  { name: 'file_edit, replace left out', tool: 'file_edit', params: params({ $case: 'fileEdit', fileEdit: { path: 'a', search: 'x' } }), code: 'INVALID_PARAMS' },
  { name: 'grep, empty pattern', tool: 'grep', params: params({ $case: 'grep', grep: { pattern: '', path: '', recursive: false, ignoreCase: false } }), code: 'INVALID_PARAMS' },
  { name: 'grep, pattern left out', tool: 'grep', params: params({ $case: 'grep', grep: { path: '', recursive: false, ignoreCase: false } }), code: 'INVALID_PARAMS' },
  { name: 'find, path left out', tool: 'find', params: params({ $case: 'find', find: { name: '', type: '' } }), code: 'INVALID_PARAMS' },
  { name: 'list, path left out', tool: 'list', params: params({ $case: 'list', list: {} }), code: 'INVALID_PARAMS' },
  { name: 'fetch_url, empty url', tool: 'fetch_url', params: params({ $case: 'fetchUrl', fetchUrl: { url: '' } }), code: 'INVALID_URL' },
  { name: 'web_search, empty query', tool: 'web_search', params: params({ $case: 'webSearch', webSearch: { query: '' } }), code: 'INVALID_PARAMS' },
  { name: 'web_search, blank query', tool: 'web_search', params: params({ $case: 'webSearch', webSearch: { query: ' \t' } }), code: 'INVALID_PARAMS' },
];

describe('required parameters of the built-in tools', () => {
  for (const c of refusedCases) {
    it(`refuses ${c.name}: ${c.code} before any container${c.startedBefore === true ? ' (built an invocation before #12)' : ''}`, () => {
      throwsCode(() => builtin(c.tool).buildInvocation(c.params, CONTEXT), c.code, c.message);
    });
  }

  it('every built-in tool has a refused case', () => {
    assert.deepEqual(new Set(refusedCases.map((c) => c.tool)), new Set(TOOLS.keys()));
  });

  it('keeps an empty path for grep, find and list: the workspace root', () => {
    const root = (type: string, p: TaskParams): readonly string[] => builtin(type).buildInvocation(p, CONTEXT).argv;
    assert.ok(root('grep', params({ $case: 'grep', grep: { pattern: 'x', path: '', recursive: true, ignoreCase: false } })).includes('/workspace'));
    assert.ok(root('find', params({ $case: 'find', find: { path: '', name: '', type: '' } })).includes('/workspace'));
    assert.deepEqual(root('list', params({ $case: 'list', list: { path: '' } })), ['baaaht-fs', 'list', '/workspace']);
  });

  it('file_read still reads a file named by its path', () => {
    assert.deepEqual(builtin('file_read').buildInvocation(params({ $case: 'fileRead', fileRead: { path: 'a/b.txt' } })).argv, ['baaaht-fs', 'read', '/workspace/a/b.txt']);
  });
});

describe('required parameters of configured tools', () => {
  const probe = createConfiguredTool(
    {
      name: 'probe',
      command: ['echo', '{word}', '{count}', '{note}'],
      params: { word: { type: 'string', required: true }, count: { type: 'integer', required: true }, note: { type: 'string' } },
    },
    { image: 'baaaht/tools:0.1.0', overrides: {} },
  );
  const custom = (values: Record<string, string>): TaskParams => ({ $case: 'custom', custom: { values } });

  it('refuses a required parameter left out', () => {
    throwsCode(() => probe.buildInvocation(custom({ count: '1' })), 'INVALID_PARAMS', /missing required parameter "word"/);
  });

  // Failed before #12 §1: a required string sent empty was taken and run as an empty argument.
  it('refuses a required string parameter sent empty (as missing)', () => {
    throwsCode(() => probe.buildInvocation(custom({ word: '', count: '1' })), 'INVALID_PARAMS', /missing required parameter "word"/);
  });

  it('refuses a required integer sent empty', () => {
    throwsCode(() => probe.buildInvocation(custom({ word: 'a', count: '' })), 'INVALID_PARAMS', /"count"/);
  });

  it('keeps an optional string parameter sent empty', () => {
    assert.deepEqual(probe.buildInvocation(custom({ word: 'a', count: '1', note: '' })).argv, ['echo', 'a', '1', '']);
  });

  it('refuses a custom task with no params at all when a parameter is required', () => {
    throwsCode(() => probe.buildInvocation(params({ $case: 'custom', custom: { values: {} } })), 'INVALID_PARAMS', /missing required parameters "word", "count"/);
  });
});
