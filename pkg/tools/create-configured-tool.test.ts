import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfiguredParam, ConfiguredToolDefinition } from './configured-tool-definition.js';
import { createConfiguredTool, type ConfiguredToolOptions } from './create-configured-tool.js';
import { isToolDefinitionError } from './tool-definition-error.js';
import type { TaskParams, ToolSpec } from './tool-spec.js';
import { throwsCode } from '../../test/support/throws-code.js';

const OPTIONS: ConfiguredToolOptions = { image: 'baaaht/tools:0.1.0', overrides: {} };
const MIB = 1024 * 1024;

const custom = (values: Record<string, string>): TaskParams => ({ $case: 'custom', custom: { values } });

function tool(command: string[], params: Record<string, ConfiguredParam> = {}, extra: Partial<ConfiguredToolDefinition> = {}): ToolSpec {
  return createConfiguredTool({ name: 'probe', command, params, ...extra }, OPTIONS);
}

function argv(spec: ToolSpec, values: Record<string, string>): readonly string[] {
  return spec.buildInvocation(custom(values)).argv;
}


/** The definition is refused: a ToolDefinitionError naming `field`. */
function refused(definition: Partial<ConfiguredToolDefinition> & Record<string, unknown>, field: string, reason: RegExp): void {
  assert.throws(
    () => createConfiguredTool({ name: 'probe', command: ['true'], ...definition } as ConfiguredToolDefinition, OPTIONS),
    (error: unknown) => {
      assert.ok(isToolDefinitionError(error), `expected a ToolDefinitionError, got ${String(error)}`);
      assert.equal(error.code, 'INVALID_PARAMS');
      assert.equal(error.field, field, error.message);
      assert.match(error.reason, reason);
      assert.equal(error.message, `tool ${error.tool}: ${field}: ${error.reason}`);
      return true;
    },
  );
}

describe('createConfiguredTool: the spec', () => {
  it('has the defaults: tools image, network and mount none, file-tool limits, 30 s, no runtime', () => {
    const spec = createConfiguredTool({ name: 'sleeper', command: ['sleep', '1'] }, OPTIONS);
    const { buildInvocation, ...rest } = spec;
    assert.equal(typeof buildInvocation, 'function');
    assert.deepEqual(rest, {
      type: 'sleeper',
      description: '',
      image: 'baaaht/tools:0.1.0',
      network: 'none',
      mount: 'none',
      limits: { cpus: 0.1, memoryBytes: 64 * MIB, pids: 10 },
      timeoutMs: 30_000,
      custom: true,
    });
  });

  it('takes every setting of the definition, limits field by field', () => {
    const spec = createConfiguredTool(
      {
        name: 'reader',
        description: 'reads',
        image: 'me/reader:1',
        command: ['cat'],
        network: 'bridge',
        mount: 'read',
        runtime: 'runsc',
        limits: { memoryBytes: 32 * MIB },
        timeoutMs: 5_000,
      },
      OPTIONS,
    );
    const { buildInvocation: _, ...rest } = spec;
    assert.deepEqual(rest, {
      type: 'reader',
      description: 'reads',
      image: 'me/reader:1',
      network: 'bridge',
      mount: 'read',
      limits: { cpus: 0.1, memoryBytes: 32 * MIB, pids: 10 },
      timeoutMs: 5_000,
      runtime: 'runsc',
      custom: true,
    });
  });

  it('lets tools.overrides win over the definition', () => {
    const spec = createConfiguredTool(
      { name: 'reader', image: 'me/reader:1', command: ['cat'], limits: { cpus: 1, pids: 5 }, timeoutMs: 5_000 },
      { image: 'x', overrides: { reader: { image: 'me/reader:2', limits: { pids: 7 }, timeoutMs: 9_000, runtime: 'runsc', network: 'web' } } },
    );
    assert.deepEqual(
      { image: spec.image, limits: spec.limits, timeoutMs: spec.timeoutMs, runtime: spec.runtime, network: spec.network },
      { image: 'me/reader:2', limits: { cpus: 1, memoryBytes: 64 * MIB, pids: 7 }, timeoutMs: 9_000, runtime: 'runsc', network: 'web' },
    );
  });

  it('refuses memory below 6 MiB, from the definition or an override', () => {
    refused({ limits: { memoryBytes: 6 * MIB - 1 } }, 'limits.memoryBytes', /less than Docker's minimum of 6291456 bytes/);
    throwsCode(
      () => createConfiguredTool({ name: 'probe', command: ['true'] }, { image: 'x', overrides: { probe: { limits: { memoryBytes: 1024 } } } }),
      'INVALID_PARAMS',
      /limits\.memoryBytes/,
    );
    assert.equal(tool(['true'], {}, { limits: { memoryBytes: 6 * MIB } }).limits.memoryBytes, 6 * MIB);
  });

  it('refuses what validateToolSpec refuses', () => {
    throwsCode(() => tool(['true'], {}, { limits: { cpus: -1 } }), 'INVALID_PARAMS', /limits\.cpus must be positive/);
    throwsCode(() => tool(['true'], {}, { mount: 'all' as never }), 'INVALID_PARAMS', /mount must be none, read or write/);
    throwsCode(() => tool(['true'], {}, { network: '' }), 'INVALID_PARAMS', /network must be a non-empty string/);
    throwsCode(() => tool(['true'], {}, { timeoutMs: 0 }), 'INVALID_PARAMS', /timeoutMs must be positive/);
  });

  it('accepts only the custom params case', () => {
    const spec = tool(['true']);
    throwsCode(() => spec.buildInvocation(undefined), 'INVALID_PARAMS', /probe expects CustomParams/);
    throwsCode(() => spec.buildInvocation({ $case: 'list', list: { path: '.' } }), 'INVALID_PARAMS', /got params case "list"/);
  });
});

describe('createConfiguredTool: substitution', () => {
  const str = (extra: Partial<ConfiguredParam> = {}): ConfiguredParam => ({ type: 'string', ...extra }) as ConfiguredParam;
  const cases: {
    name: string;
    command: string[];
    params: Record<string, ConfiguredParam>;
    values: Record<string, string>;
    argv: string[];
    /** Set for placeholders inside longer elements (interpolate: true). */
    interpolate?: true;
  }[] = [
    { name: 'whole element', command: ['sleep', '{s}'], params: { s: { type: 'integer', required: true } }, values: { s: '5' }, argv: ['sleep', '5'] },
    {
      name: 'embedded in a longer element',
      command: ['head', '--bytes={n}', '--', 'f{n}.txt'],
      params: { n: { type: 'integer', required: true } },
      values: { n: '12' },
      argv: ['head', '--bytes=12', '--', 'f12.txt'],
      interpolate: true,
    },
    {
      name: 'several in one element',
      command: ['echo', '{a}:{b}'],
      params: { a: str({ required: true }), b: str({ default: 'B' }) },
      values: { a: 'A' },
      argv: ['echo', 'A:B'],
      interpolate: true,
    },
    { name: 'optional absent: element dropped', command: ['ls', '{flag}', '--', 'x'], params: { flag: str({ allowLeadingDash: true }) }, values: {}, argv: ['ls', '--', 'x'] },
    { name: 'optional present', command: ['ls', '{flag}', '--', 'x'], params: { flag: str({ allowLeadingDash: true }) }, values: { flag: '-l' }, argv: ['ls', '-l', '--', 'x'] },
    { name: 'optional sent empty: kept as an empty argument', command: ['echo', '{s}', 'x'], params: { s: str() }, values: { s: '' }, argv: ['echo', '', 'x'] },
    { name: 'default used when absent', command: ['echo', '{s}'], params: { s: str({ default: 'hi' }) }, values: {}, argv: ['echo', 'hi'] },
    { name: 'default replaced when sent', command: ['echo', '{s}'], params: { s: str({ default: 'hi' }) }, values: { s: 'yo' }, argv: ['echo', 'yo'] },
    { name: 'integer default', command: ['sleep', '{s}'], params: { s: { type: 'integer', default: 3 } }, values: {}, argv: ['sleep', '3'] },
    { name: 'boolean default', command: ['echo', 'v={v}'], params: { v: { type: 'boolean', default: false } }, values: {}, argv: ['echo', 'v=false'], interpolate: true },
    { name: 'escaped braces', command: ['echo', '{{s}}', '${{HOME}}', '{{{s}}}'], params: { s: str({ required: true }) }, values: { s: 'x' }, argv: ['echo', '{s}', '${HOME}', '{x}'], interpolate: true },
    {
      name: 'a value with spaces stays one argument',
      command: ['printf', '%s|', '{s}'],
      params: { s: str({ required: true }) },
      values: { s: 'a b  c' },
      argv: ['printf', '%s|', 'a b  c'],
    },
    {
      name: 'shell syntax in a value stays literal',
      command: ['sh', '-c', 'printf %s "$1"', 'sh', '{s}'],
      params: { s: str({ required: true }) },
      values: { s: '$(reboot); `id` && "quoted" \'single\' {s} *' },
      argv: ['sh', '-c', 'printf %s "$1"', 'sh', '$(reboot); `id` && "quoted" \'single\' {s} *'],
    },
    {
      name: 'braces in a value are not placeholders',
      command: ['echo', 'pre-{a}-{b}'],
      params: { a: str({ required: true }), b: str({ required: true }) },
      values: { a: '{b}', b: 'x' },
      argv: ['echo', 'pre-{b}-x'],
      interpolate: true,
    },
    { name: 'non-ASCII value', command: ['echo', '{s}'], params: { s: str({ required: true }) }, values: { s: 'héllo 🐑' }, argv: ['echo', 'héllo 🐑'] },
  ];
  for (const { name, command, params, values, argv: expected, interpolate } of cases) {
    it(name, () => {
      assert.deepEqual(argv(tool(command, params, interpolate === undefined ? {} : { interpolate }), values), expected);
    });
  }

  it('a key named __proto__ is an ordinary unknown key', () => {
    const spec = tool(['echo', '{s}'], { s: str() });
    const values = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    throwsCode(() => argv(spec, values), 'INVALID_PARAMS', /unknown parameter "__proto__"/);
  });
});

describe('createConfiguredTool: task values', () => {
  const spec = tool(['run', '{count}', '{name}', '{flag}', '{dash}', '{word}', '{short}'], {
    count: { type: 'integer', required: true, min: -5, max: 100 },
    name: { type: 'string' },
    flag: { type: 'boolean' },
    dash: { type: 'string', allowLeadingDash: true },
    word: { type: 'string', pattern: '[a-z]+|[0-9]+' },
    short: { type: 'string', maxLength: 3 },
  });
  const ok = (values: Record<string, string>): readonly string[] => argv(spec, { count: '1', ...values });
  const bad = (values: Record<string, string>, message: RegExp): void =>
    throwsCode(() => argv(spec, { count: '1', ...values }), 'INVALID_PARAMS', message);

  it('integers: strict decimal within min and max', () => {
    for (const count of ['0', '7', '-5', '100']) assert.equal(ok({ count })[1], count);
    for (const count of ['05', '+5', ' 5', '5 ', '5.0', '1e3', '0x10', '-0', '', '--5', '٣', '99999999999999999999']) {
      bad({ count }, /^probe: parameter "count" is not a whole number/);
    }
    bad({ count: '-6' }, /"count" is less than the minimum of -5/);
    bad({ count: '101' }, /"count" is more than the maximum of 100/);
  });

  it('booleans: true or false only', () => {
    assert.equal(ok({ flag: 'true' })[2], 'true');
    assert.equal(ok({ flag: 'false' })[2], 'false');
    for (const flag of ['True', 'TRUE', '1', 'yes', '', ' true']) bad({ flag }, /"flag" must be true or false/);
  });

  it('strings: the whole value must match the pattern', () => {
    assert.equal(ok({ word: 'abc' })[2], 'abc');
    assert.equal(ok({ word: '123' })[2], '123');
    for (const word of ['abc1', 'x abc', 'ABC', '']) bad({ word }, /"word" does not match "\[a-z\]\+\|\[0-9\]\+"/);
  });

  it('strings: at most maxLength characters (default 4096), counted as characters', () => {
    assert.equal(ok({ short: '🐑🐑🐑' })[2], '🐑🐑🐑');
    bad({ short: 'abcd' }, /"short" is longer than 3 characters/);
    assert.equal(ok({ name: 'x'.repeat(4096) })[2]?.length, 4096);
    bad({ name: 'x'.repeat(4097) }, /"name" is longer than 4096 characters/);
  });

  it('strings: a leading dash is refused unless allowLeadingDash', () => {
    for (const name of ['-rf', '--help', '-']) bad({ name }, /"name" must not start with "-" \(it could be read as an option\)/);
    assert.equal(ok({ name: 'a-b' })[2], 'a-b');
    assert.equal(ok({ dash: '--verbose' })[2], '--verbose');
  });

  it('refuses NUL, control characters and unpaired surrogates in every type', () => {
    for (const value of ['a\0b', 'a\nb', 'a\rb', 'a\tb', 'a\u001bb', 'a\u007fb', 'a\u0085b']) {
      bad({ name: value }, /"name" must not contain (a NUL byte|control characters)/);
      bad({ dash: value }, /"dash" must not contain/);
    }
    bad({ count: '1\n' }, /"count" must not contain control characters/);
    bad({ name: 'a\uD800b' }, /"name" is not well-formed Unicode/);
  });

  it('refuses parameters the tool does not declare, naming them all', () => {
    bad({ bogus: '1', other: '2' }, /^probe: unknown parameters "bogus", "other"; probe takes: count, name, flag, dash, word, short$/);
    throwsCode(() => argv(tool(['true']), { x: '1' }), 'INVALID_PARAMS', /unknown parameter "x"; probe takes no parameters/);
  });

  it('refuses a missing required parameter, naming them all', () => {
    throwsCode(() => argv(spec, {}), 'INVALID_PARAMS', /^probe: missing required parameter "count"$/);
    const two = tool(['x', '{a}', '{b}'], { a: { type: 'string', required: true }, b: { type: 'integer', required: true } });
    throwsCode(() => argv(two, {}), 'INVALID_PARAMS', /missing required parameters "a", "b"/);
  });

  it('refuses a value that is not a string', () => {
    throwsCode(() => spec.buildInvocation(custom({ count: 5 as unknown as string })), 'INVALID_PARAMS', /"count" must be a string/);
  });
});

describe('createConfiguredTool: invalid definitions name the field', () => {
  const cases: { name: string; definition: Record<string, unknown>; field: string; reason: RegExp }[] = [
    { name: 'bad name', definition: { name: 'Bad Name' }, field: 'name', reason: /"Bad Name" is not a tool name/ },
    { name: 'name too long', definition: { name: `a${'b'.repeat(64)}` }, field: 'name', reason: /is not a tool name/ },
    { name: 'unknown key', definition: { memory: '1g' }, field: 'memory', reason: /unknown key \(expected one of name, description/ },
    { name: 'command missing', definition: { command: undefined }, field: 'command', reason: /non-empty list of strings/ },
    { name: 'command empty', definition: { command: [] }, field: 'command', reason: /non-empty list/ },
    { name: 'command element not a string', definition: { command: ['sleep', 5] }, field: 'command[1]', reason: /5 is not a string/ },
    { name: 'NUL in command', definition: { command: ['echo', 'a\0b'] }, field: 'command[1]', reason: /NUL/ },
    { name: 'empty program', definition: { command: [''] }, field: 'command[0]', reason: /the program must not be empty/ },
    { name: 'template syntax', definition: { command: ['awk', '{print $1}'] }, field: 'command[1]', reason: /"\{print \$1\}" is not a placeholder/ },
    { name: 'undeclared placeholder', definition: { command: ['echo', '{x}'] }, field: 'command[1]', reason: /\{x\} is not a declared parameter \(the tool declares no params\)/ },
    {
      name: 'undeclared placeholder, others declared',
      definition: { command: ['echo', '{x}', '{a}'], params: { a: { type: 'string' } } },
      field: 'command[1]',
      reason: /\{x\} is not a declared parameter \(declared: a\)/,
    },
    { name: 'placeholder in the program', definition: { command: ['{p}'], params: { p: { type: 'string', required: true } } }, field: 'command[0]', reason: /the program/ },
    {
      name: 'optional placeholder inside a longer element',
      definition: { command: ['head', '-c{n}'], params: { n: { type: 'integer' } }, interpolate: true },
      field: 'command[1]',
      reason: /\{n\} is part of a longer argument.*make n required or give it a default/,
    },
    {
      name: 'placeholder in a shell -c script',
      definition: { command: ['sh', '-c', 'head -c {size} /dev/zero'], params: { size: { type: 'integer', required: true } }, interpolate: true },
      field: 'command[2]',
      reason: /positional arguments after the script.*\[sh, -c, 'head -c "\$1" \/dev\/zero', sh, "\{size\}"\]/,
    },
    { name: 'unused parameter', definition: { params: { x: { type: 'string' } } }, field: 'params.x', reason: /declared but command never uses \{x\}/ },
    // #11: a placeholder inside a longer element only with interpolate: true, and never in a wrapped shell's script.
    {
      name: 'placeholder inside a longer element without interpolate',
      definition: { command: ['timeout', '10', 'sh', '-c', 'echo {term}'], params: { term: { type: 'string', required: true } } },
      field: 'command[4]',
      reason: /\{term\} is inside a longer argument \("echo \{term\}"\); a placeholder must be a whole argument.*unless the tool sets interpolate: true/,
    },
    {
      name: 'an embedded placeholder in an ordinary argument without interpolate',
      definition: { command: ['head', '--bytes={n}'], params: { n: { type: 'integer', required: true } } },
      field: 'command[1]',
      reason: /inside a longer argument/,
    },
    {
      name: 'interpolate: true still refuses the script of a shell behind timeout',
      definition: { command: ['timeout', '10', 'sh', '-c', 'echo {term}'], params: { term: { type: 'string', required: true } }, interpolate: true },
      field: 'command[4]',
      reason: /placeholders inside a shell script \(sh -c\) would be run as shell code/,
    },
    {
      name: 'a whole-element script behind a wrapper',
      definition: { command: ['nice', 'python3', '-c', '{code}'], params: { code: { type: 'string', required: true } } },
      field: 'command[3]',
      reason: /code of python3 \(-c\)/,
    },
    { name: 'interpolate not a boolean', definition: { interpolate: 'yes' }, field: 'interpolate', reason: /"yes" is not true or false/ },
    { name: 'params not a mapping', definition: { params: ['x'] }, field: 'params', reason: /must be a mapping/ },
    { name: 'bad parameter name', definition: { command: ['true'], params: { 'a-b': { type: 'string' } } }, field: 'params.a-b', reason: /is not a parameter name/ },
  ];
  const p = (param: Record<string, unknown>): Record<string, unknown> => ({ command: ['echo', '{x}'], params: { x: param } });
  cases.push(
    { name: 'parameter not a mapping', definition: p('string' as never), field: 'params.x', reason: /must be a mapping/ },
    { name: 'unknown parameter type', definition: p({ type: 'float' }), field: 'params.x.type', reason: /"float" is not a parameter type/ },
    { name: 'key of another type', definition: p({ type: 'integer', pattern: '\\d+' }), field: 'params.x.pattern', reason: /unknown key for an integer parameter/ },
    { name: 'unknown parameter key', definition: p({ type: 'string', minLength: 1 }), field: 'params.x.minLength', reason: /unknown key/ },
    { name: 'required not boolean', definition: p({ type: 'string', required: 'yes' }), field: 'params.x.required', reason: /true or false/ },
    { name: 'required with a default', definition: p({ type: 'string', required: true, default: 'a' }), field: 'params.x.default', reason: /a required parameter cannot have a default/ },
    { name: 'default of the wrong type', definition: p({ type: 'integer', default: '5' }), field: 'params.x.default', reason: /"5" is not of type integer/ },
    { name: 'fractional default', definition: p({ type: 'integer', default: 1.5 }), field: 'params.x.default', reason: /1\.5 is not of type integer/ },
    { name: 'boolean default not boolean', definition: p({ type: 'boolean', default: 'true' }), field: 'params.x.default', reason: /is not of type boolean/ },
    { name: 'default outside min', definition: p({ type: 'integer', min: 1, default: 0 }), field: 'params.x.default', reason: /"0" is less than the minimum of 1/ },
    { name: 'default with a leading dash', definition: p({ type: 'string', default: '-x' }), field: 'params.x.default', reason: /must not start with "-"/ },
    { name: 'default not matching', definition: p({ type: 'string', pattern: '[a-z]+', default: 'A' }), field: 'params.x.default', reason: /does not match/ },
    { name: 'default with a control character', definition: p({ type: 'string', default: 'a\nb' }), field: 'params.x.default', reason: /control characters/ },
    { name: 'invalid pattern', definition: p({ type: 'string', pattern: '(' }), field: 'params.x.pattern', reason: /not a valid regular expression/ },
    { name: 'pattern escaping its anchors', definition: p({ type: 'string', pattern: 'a)|(b' }), field: 'params.x.pattern', reason: /not a valid regular expression/ },
    { name: 'empty pattern', definition: p({ type: 'string', pattern: '' }), field: 'params.x.pattern', reason: /non-empty string/ },
    { name: 'maxLength zero', definition: p({ type: 'string', maxLength: 0 }), field: 'params.x.maxLength', reason: /at least 1/ },
    { name: 'allowLeadingDash not boolean', definition: p({ type: 'string', allowLeadingDash: 1 }), field: 'params.x.allowLeadingDash', reason: /true or false/ },
    { name: 'min not whole', definition: p({ type: 'integer', min: 0.5 }), field: 'params.x.min', reason: /0\.5 is not a whole number/ },
    { name: 'min above max', definition: p({ type: 'integer', min: 5, max: 1 }), field: 'params.x.max', reason: /1 is less than min 5/ },
  );
  for (const { name, definition, field, reason } of cases) {
    it(`${name} → ${field}`, () => refused(definition, field, reason));
  }
});
