import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { load } from 'js-yaml';

import type { ConfiguredToolDefinition } from '../tools/configured-tool-definition.js';
import { InvalidValueError } from './invalid-value-error.js';
import { parseCustomTools } from './parse-custom-tools.js';

const MIB = 1024 * 1024;
const yaml = (text: string): unknown => load(text);

describe('parseCustomTools', () => {
  it('compiles a full definition: memory in bytes, timeout in ms', () => {
    const tools = parseCustomTools(
      yaml(`
- name: sleeper
  description: sleeps for a while
  image: baaaht/tools:0.1.0
  command: [sleep, "{seconds}"]
  params:
    seconds: { type: integer, required: true, min: 0, max: 100000, description: how long }
  network: none
  mount: read
  runtime: runc
  cpus: 0.5
  memory: 64MiB
  pids: 12
  timeout: 2m
`),
    );
    assert.deepEqual(tools, [
      {
        name: 'sleeper',
        description: 'sleeps for a while',
        image: 'baaaht/tools:0.1.0',
        command: ['sleep', '{seconds}'],
        params: { seconds: { type: 'integer', required: true, min: 0, max: 100000, description: 'how long' } },
        network: 'none',
        mount: 'read',
        runtime: 'runc',
        limits: { cpus: 0.5, memoryBytes: 64 * MIB, pids: 12 },
        timeoutMs: 120_000,
      },
    ] satisfies ConfiguredToolDefinition[]);
  });

  it('leaves unset fields unset (createConfiguredTool gives the defaults)', () => {
    assert.deepEqual(parseCustomTools(yaml('- { name: hello, command: [echo, hi] }')), [{ name: 'hello', command: ['echo', 'hi'] }]);
  });

  it('takes every parameter type and key', () => {
    const [tool] = parseCustomTools(
      yaml(`
- name: p
  command: [x, "{s}", "{i}", "{b}"]
  params:
    s: { type: string, default: abc, pattern: "[a-z]+", maxLength: 10, allowLeadingDash: false, required: false }
    i: { type: integer, default: -3, min: -5, max: 5 }
    b: { type: boolean, default: true }
`),
    );
    assert.deepEqual(tool?.params, {
      s: { type: 'string', default: 'abc', pattern: '[a-z]+', maxLength: 10, allowLeadingDash: false, required: false },
      i: { type: 'integer', default: -3, min: -5, max: 5 },
      b: { type: 'boolean', default: true },
    });
  });

  it('reads nothing as no tools', () => {
    for (const raw of [undefined, null, '', []]) assert.deepEqual(parseCustomTools(raw), []);
  });

  const invalid: { name: string; text: string; subKey: string | undefined; reason: RegExp }[] = [
    { name: 'not a list', text: 'sleeper: {}', subKey: undefined, reason: /is not a list of tool definitions/ },
    { name: 'entry not a mapping', text: '- sleeper', subKey: '[0]', reason: /"sleeper" is not a mapping with keys name, description/ },
    { name: 'unknown key', text: '- { name: a, command: [x], memroy: 1g }', subKey: '[0].memroy', reason: /unknown key \(expected one of name,/ },
    { name: 'name missing', text: '- { command: [x] }', subKey: '[0].name', reason: /is required/ },
    { name: 'name invalid', text: '- { name: My Tool, command: [x] }', subKey: '[0].name', reason: /"My Tool" is not a tool name/ },
    { name: 'name not a string', text: '- { name: 5, command: [x] }', subKey: '[0].name', reason: /5 is not a string/ },
    { name: 'name of a built-in tool', text: '- { name: grep, command: [x] }', subKey: '[0].name', reason: /"grep" is a built-in tool; choose another name/ },
    {
      name: 'name twice',
      text: '- { name: a, command: [x] }\n- { name: b, command: [x] }\n- { name: a, command: [y] }',
      subKey: '[2].name',
      reason: /"a" is already defined by tools.custom\[0\]/,
    },
    { name: 'description not a string', text: '- { name: a, command: [x], description: [1] }', subKey: '[0].description', reason: /not a string/ },
    { name: 'image invalid', text: '- { name: a, command: [x], image: "-v /:/host" }', subKey: '[0].image', reason: /not an image reference/ },
    { name: 'command missing', text: '- { name: a }', subKey: '[0].command', reason: /is required/ },
    { name: 'command a string', text: '- { name: a, command: "sleep 5" }', subKey: '[0].command', reason: /is not a non-empty list of strings/ },
    { name: 'command empty', text: '- { name: a, command: [] }', subKey: '[0].command', reason: /is not a non-empty list/ },
    { name: 'command element a number', text: '- { name: a, command: [sleep, 5] }', subKey: '[0].command[1]', reason: /5 is not a string \(quote numbers/ },
    { name: 'command program empty', text: '- { name: a, command: [""] }', subKey: '[0].command[0]', reason: /the program must not be empty/ },
    { name: 'command template error', text: '- { name: a, command: [awk, "{print $1}"] }', subKey: '[0].command[1]', reason: /is not a placeholder.*\{\{ and \}\}/ },
    { name: 'undeclared placeholder', text: '- { name: a, command: [sleep, "{s}"] }', subKey: '[0].command[1]', reason: /\{s\} is not a declared parameter/ },
    {
      name: 'shell script placeholder',
      text: '- { name: a, command: [sh, -c, "head -c {size} /dev/zero"], interpolate: true, params: { size: { type: integer, required: true } } }',
      subKey: '[0].command[2]',
      reason: /pass values as positional arguments after the script/,
    },
    {
      name: 'optional placeholder inside a longer element',
      text: '- { name: a, command: [head, "-c{n}"], interpolate: true, params: { n: { type: integer } } }',
      subKey: '[0].command[1]',
      reason: /make n required or give it a default/,
    },
    { name: 'unused parameter', text: '- { name: a, command: [x], params: { n: { type: integer } } }', subKey: '[0].params.n', reason: /never uses \{n\}/ },
    {
      name: 'placeholder inside a longer argument (#11), naming the tool and interpolate',
      text: '- { name: search, command: [timeout, "10", sh, -c, "echo {term}"], params: { term: { type: string, required: true } } }',
      subKey: '[0].command[4]',
      reason: /^tool "search": \{term\} is inside a longer argument.*interpolate: true/,
    },
    {
      name: 'interpolate: true behind a wrapper (#11)',
      text: '- { name: search, interpolate: true, command: [timeout, "10", sh, -c, "echo {term}"], params: { term: { type: string, required: true } } }',
      subKey: '[0].command[4]',
      reason: /^tool "search": placeholders inside a shell script \(sh -c\)/,
    },
    { name: 'interpolate not a boolean', text: '- { name: a, interpolate: maybe, command: [x] }', subKey: '[0].interpolate', reason: /"maybe" is not a boolean/ },
    { name: 'params a list', text: '- { name: a, command: [x], params: [n] }', subKey: '[0].params', reason: /is not a mapping of parameter name/ },
    { name: 'parameter not a mapping', text: '- { name: a, command: [x, "{n}"], params: { n: integer } }', subKey: '[0].params.n', reason: /"integer" is not a mapping with at least a type/ },
    { name: 'parameter type missing', text: '- { name: a, command: [x, "{n}"], params: { n: { required: true } } }', subKey: '[0].params.n.type', reason: /is required \(string, integer, boolean\)/ },
    { name: 'parameter type unknown', text: '- { name: a, command: [x, "{n}"], params: { n: { type: number } } }', subKey: '[0].params.n.type', reason: /"number" is not one of string, integer, boolean/ },
    { name: 'parameter key unknown', text: '- { name: a, command: [x, "{n}"], params: { n: { type: integer, pattern: x } } }', subKey: '[0].params.n.pattern', reason: /unknown key for an integer parameter \(expected one of type, required, description, default, min, max\)/ },
    { name: 'required not a boolean', text: '- { name: a, command: [x, "{n}"], params: { n: { type: string, required: "yes" } } }', subKey: '[0].params.n.required', reason: /"yes" is not a boolean/ },
    { name: 'min not a number', text: '- { name: a, command: [x, "{n}"], params: { n: { type: integer, min: "0" } } }', subKey: '[0].params.n.min', reason: /"0" is not a whole number/ },
    { name: 'maxLength fractional', text: '- { name: a, command: [x, "{n}"], params: { n: { type: string, maxLength: 1.5 } } }', subKey: '[0].params.n.maxLength', reason: /1.5 is not a whole number/ },
    { name: 'integer default a string', text: '- { name: a, command: [x, "{n}"], params: { n: { type: integer, default: "5" } } }', subKey: '[0].params.n.default', reason: /"5" is not a whole number/ },
    { name: 'boolean default a string', text: '- { name: a, command: [x, "{n}"], params: { n: { type: boolean, default: "yes" } } }', subKey: '[0].params.n.default', reason: /"yes" is not a boolean/ },
    { name: 'default breaking the rules', text: '- { name: a, command: [x, "{n}"], params: { n: { type: integer, max: 3, default: 4 } } }', subKey: '[0].params.n.default', reason: /"4" is more than the maximum of 3/ },
    { name: 'required with a default', text: '- { name: a, command: [x, "{n}"], params: { n: { type: integer, required: true, default: 4 } } }', subKey: '[0].params.n.default', reason: /cannot have a default/ },
    { name: 'bad pattern', text: '- { name: a, command: [x, "{n}"], params: { n: { type: string, pattern: "[" } } }', subKey: '[0].params.n.pattern', reason: /not a valid regular expression/ },
    { name: 'bad parameter name', text: '- { name: a, command: [x], params: { 2x: { type: string } } }', subKey: '[0].params.2x', reason: /is not a parameter name/ },
    { name: 'network invalid', text: '- { name: a, command: [x], network: "host net" }', subKey: '[0].network', reason: /not a Docker network name/ },
    { name: 'mount invalid', text: '- { name: a, command: [x], mount: rw }', subKey: '[0].mount', reason: /"rw" is not one of none, read, write/ },
    { name: 'runtime invalid', text: '- { name: a, command: [x], runtime: "-x" }', subKey: '[0].runtime', reason: /not a runtime name/ },
    { name: 'cpus zero', text: '- { name: a, command: [x], cpus: 0 }', subKey: '[0].cpus', reason: /not a positive number of CPUs/ },
    { name: 'memory below 6MiB', text: '- { name: a, command: [x], memory: 4MiB }', subKey: '[0].memory', reason: /less than the minimum of 6291456 bytes/ },
    { name: 'memory not a size', text: '- { name: a, command: [x], memory: lots }', subKey: '[0].memory', reason: /not a size in bytes/ },
    { name: 'pids zero', text: '- { name: a, command: [x], pids: 0 }', subKey: '[0].pids', reason: /less than the minimum of 1/ },
    { name: 'timeout without a unit', text: '- { name: a, command: [x], timeout: 30 }', subKey: '[0].timeout', reason: /30 is not a duration/ },
    { name: 'fault in a later entry', text: '- { name: a, command: [x] }\n- { name: b, command: [x], pids: -1 }', subKey: '[1].pids', reason: /less than the minimum/ },
  ];
  for (const { name, text, subKey, reason } of invalid) {
    it(`${name} → ${subKey ?? '(the list)'}`, () => {
      assert.throws(
        () => parseCustomTools(yaml(text)),
        (error: unknown) => {
          assert.ok(error instanceof InvalidValueError, `expected an InvalidValueError, got ${String(error)}`);
          assert.equal(error.subKey, subKey, error.message);
          assert.match(error.reason, reason);
          return true;
        },
      );
    });
  }
});
