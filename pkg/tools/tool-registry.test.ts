import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ConfiguredToolDefinition } from './configured-tool-definition.js';
import { createBuiltinToolRegistry } from './create-builtin-tool-registry.js';
import { defineCustomTool } from './define-custom-tool.js';
import { ToolRegistry } from './tool-registry.js';
import type { ToolSpec } from './tool-spec.js';
import { BUILTIN_TOOL_TYPES } from '../protocol/tool-params.js';
import { throwsCode } from '../../test/support/throws-code.js';

const OPTIONS: BuiltinToolOptions = {
  image: 'baaaht/tools:0.1.0',
  searchUrlTemplate: 'https://search.example/?q={query}',
  maxFetchBytes: 1_000_000,
  webNetwork: 'bridge',
  overrides: {},
};


function spec(overrides: Partial<Record<keyof ToolSpec, unknown>> = {}): ToolSpec {
  return {
    type: 'my-tool',
    description: 'test tool',
    image: 'me/tool:1',
    network: 'none',
    mount: 'none',
    limits: { cpus: 0.5, memoryBytes: 1024, pids: 5 },
    timeoutMs: 1000,
    buildInvocation: () => ({ argv: ['true'] }),
    ...overrides,
  } as ToolSpec;
}

describe('createBuiltinToolRegistry', () => {
  it('holds the eight built-in tools in order', () => {
    const registry = createBuiltinToolRegistry(OPTIONS);
    assert.deepEqual(
      registry.all().map((tool) => tool.type),
      BUILTIN_TOOL_TYPES,
    );
    for (const type of BUILTIN_TOOL_TYPES) assert.equal(registry.require(type).type, type);
  });

  it('refuses overrides that make an invalid spec', () => {
    throwsCode(
      () => createBuiltinToolRegistry({ ...OPTIONS, overrides: { grep: { limits: { cpus: -1 } } } }),
      'INVALID_PARAMS',
      /tool grep: limits.cpus/,
    );
    throwsCode(
      () => createBuiltinToolRegistry({ ...OPTIONS, overrides: { list: { timeoutMs: Number.POSITIVE_INFINITY } } }),
      'INVALID_PARAMS',
      /tool list: timeoutMs/,
    );
    throwsCode(() => createBuiltinToolRegistry({ ...OPTIONS, overrides: { find: { image: '' } } }), 'INVALID_PARAMS', /image/);
    throwsCode(() => createBuiltinToolRegistry({ ...OPTIONS, image: ' ' }), 'INVALID_PARAMS', /image/);
  });

  const sleeper: ConfiguredToolDefinition = {
    name: 'sleeper',
    command: ['sleep', '{seconds}'],
    params: { seconds: { type: 'integer', required: true, min: 0 } },
  };

  it('registers the configured tools after the built-ins, tools image and overrides applied', () => {
    const registry = createBuiltinToolRegistry({
      ...OPTIONS,
      overrides: { sleeper: { timeoutMs: 90_000 } },
      custom: [sleeper, { name: 'hello', image: 'me/hello:1', command: ['echo', 'hello'] }],
    });
    assert.deepEqual(
      registry.all().map((tool) => tool.type),
      [...BUILTIN_TOOL_TYPES, 'sleeper', 'hello'],
    );
    const spec = registry.require('sleeper');
    assert.equal(spec.image, OPTIONS.image);
    assert.equal(spec.timeoutMs, 90_000);
    assert.deepEqual(spec.buildInvocation({ $case: 'custom', custom: { values: { seconds: '3' } } }).argv, ['sleep', '3']);
    assert.equal(registry.require('hello').image, 'me/hello:1');
  });

  it('refuses a configured tool named like a built-in tool or an earlier configured one', () => {
    throwsCode(
      () => createBuiltinToolRegistry({ ...OPTIONS, custom: [{ name: 'grep', command: ['grep'] }] }),
      'INVALID_PARAMS',
      /^configured tool "grep" is a built-in tool; choose another name$/,
    );
    throwsCode(
      () => createBuiltinToolRegistry({ ...OPTIONS, custom: [sleeper, { ...sleeper, command: ['sleep', '1'], params: {} }] }),
      'INVALID_PARAMS',
      /^configured tool "sleeper" is defined twice; choose another name$/,
    );
  });

  it('refuses an invalid configured tool', () => {
    throwsCode(
      () => createBuiltinToolRegistry({ ...OPTIONS, custom: [{ ...sleeper, command: ['sh', '-c', 'sleep {seconds}'], interpolate: true }] }),
      'INVALID_PARAMS',
      /^tool sleeper: command\[2\]: placeholders inside a shell script/,
    );
  });
});

describe('ToolRegistry', () => {
  it('starts empty and reports it in UNKNOWN_TOOL', () => {
    const registry = new ToolRegistry();
    assert.deepEqual(registry.all(), []);
    assert.equal(registry.get('grep'), undefined);
    throwsCode(() => registry.require('grep'), 'UNKNOWN_TOOL', /unknown tool "grep"; known tools: none/);
  });

  it('require names the unknown type and lists the known tools', () => {
    const registry = createBuiltinToolRegistry(OPTIONS);
    throwsCode(
      () => registry.require('rm_rf'),
      'UNKNOWN_TOOL',
      /^unknown tool "rm_rf"; known tools: file_read, file_write, file_edit, grep, find, list, fetch_url, web_search$/,
    );
    throwsCode(() => registry.require('__proto__'), 'UNKNOWN_TOOL');
    throwsCode(() => registry.require('toString'), 'UNKNOWN_TOOL');
    throwsCode(() => registry.require('x\n\u001b[2J'), 'UNKNOWN_TOOL', /"x\\n\\u001b\[2J"/);
  });

  it('registers custom tools after the built-ins and returns itself', () => {
    const registry = createBuiltinToolRegistry(OPTIONS);
    const custom = spec();
    assert.equal(registry.register(custom), registry);
    assert.equal(registry.get('my-tool'), custom);
    assert.equal(registry.all().at(-1), custom);
    assert.equal(registry.all().length, 9);
  });

  it('refuses to replace a built-in without { replace: true }', () => {
    const registry = createBuiltinToolRegistry(OPTIONS);
    const mine = spec({ type: 'grep' });
    throwsCode(() => registry.register(mine), 'INVALID_PARAMS', /grep is a built-in tool; .*replace: true/);
    assert.notEqual(registry.get('grep'), mine);
    registry.register(mine, { replace: true });
    assert.equal(registry.get('grep'), mine);
    assert.equal(registry.all().length, 8);
  });

  it('refuses to replace a registered custom tool without { replace: true }', () => {
    const registry = new ToolRegistry().register(spec());
    throwsCode(() => registry.register(spec()), 'INVALID_PARAMS', /my-tool is already registered/);
    const second = spec({ image: 'me/tool:2' });
    registry.register(second, { replace: true });
    assert.equal(registry.require('my-tool'), second);
  });

  it('validates every spec it registers', () => {
    const bad: Array<[Partial<Record<keyof ToolSpec, unknown>>, RegExp]> = [
      [{ type: '' }, /tool type "" must match/],
      [{ type: 'Grep' }, /must match/],
      [{ type: '1tool' }, /must match/],
      [{ type: '_tool' }, /must match/],
      [{ type: 'my tool' }, /must match/],
      [{ type: 'my.tool' }, /must match/],
      [{ type: 'tool\n' }, /must match/],
      [{ type: `t${'x'.repeat(64)}` }, /must match/],
      [{ type: 42 }, /must match/],
      [{ image: '' }, /image must be a non-empty string/],
      [{ image: undefined }, /image/],
      [{ network: '' }, /network/],
      [{ mount: 'rw' }, /mount must be none, read or write/],
      [{ limits: { cpus: 0, memoryBytes: 1, pids: 1 } }, /limits.cpus/],
      [{ limits: { cpus: -0.1, memoryBytes: 1, pids: 1 } }, /limits.cpus/],
      [{ limits: { cpus: Number.NaN, memoryBytes: 1, pids: 1 } }, /limits.cpus/],
      [{ limits: { cpus: Number.POSITIVE_INFINITY, memoryBytes: 1, pids: 1 } }, /limits.cpus/],
      [{ limits: { cpus: 1, memoryBytes: 0, pids: 1 } }, /limits.memoryBytes/],
      [{ limits: { cpus: 1, memoryBytes: 1.5, pids: 1 } }, /limits.memoryBytes/],
      [{ limits: { cpus: 1, memoryBytes: 1, pids: 0 } }, /limits.pids/],
      [{ limits: { cpus: 1, memoryBytes: 1, pids: Number.POSITIVE_INFINITY } }, /limits.pids/],
      [{ limits: null }, /limits are missing/],
      [{ timeoutMs: 0 }, /timeoutMs/],
      [{ timeoutMs: -5 }, /timeoutMs/],
      [{ timeoutMs: Number.NaN }, /timeoutMs/],
      [{ timeoutMs: Number.POSITIVE_INFINITY }, /timeoutMs/],
      [{ runtime: '' }, /runtime/],
      [{ buildInvocation: 'cat' }, /buildInvocation/],
    ];
    for (const [overrides, message] of bad) {
      const registry = new ToolRegistry();
      throwsCode(() => registry.register(spec(overrides)), 'INVALID_PARAMS', message);
      assert.deepEqual(registry.all(), []);
    }
  });

  it('accepts the type pattern edge cases', () => {
    const registry = new ToolRegistry();
    for (const type of ['a', 'a-b_c9', `t${'x'.repeat(63)}`]) registry.register(spec({ type }));
    assert.equal(registry.all().length, 3);
  });

  it('registries are independent', () => {
    const a = createBuiltinToolRegistry(OPTIONS);
    const b = createBuiltinToolRegistry(OPTIONS);
    a.register(defineCustomTool({ type: 'echo', description: 'echo', image: 'busybox', argv: () => ['echo'] }));
    assert.equal(b.get('echo'), undefined);
  });
});
