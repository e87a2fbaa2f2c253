import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePolicy, type PolicyRequest } from './evaluate-policy.js';
import { parsePolicy } from './parse-policy.js';
import type { PolicyMode } from './policy.js';
import { STRICT_DEFAULT_POLICY } from './policy.js';

const MiB = 1024 * 1024;
const NOW = (): Date => new Date('2025-01-02T03:04:05.000Z');

const REQUEST: PolicyRequest = {
  taskId: 'task-1',
  toolType: 'file_write',
  custom: false,
  image: 'baaaht/tools:0.1.0',
  mount: { source: '/home/ada/projects/app', writable: true },
  limits: { cpus: 0.1, memoryBytes: 64 * MiB, pids: 10 },
  timeoutMs: 30_000,
  outputCapBytes: 10 * MiB,
  protectedPaths: ['/var/run/docker.sock'],
  mountRoots: [{ path: '/', user: { kind: 'owner' } }],
};

function policy(mode: PolicyMode): ReturnType<typeof parsePolicy> {
  return parsePolicy(
    `
mode: ${mode}
mounts:
  - {path: /home/ada/projects, access: readwrite}
  - {path: /home/ada/docs, access: readonly}
images: {allow: [baaaht/tools], deny: ["baaaht/tools:bad"]}
caps: {cpus: 0.5, memory: 128MiB, pids: 20, timeout: 60s, output: 10MiB}
runtimes: {custom: runsc}
`,
    'test',
  );
}

describe('evaluatePolicy', () => {
  it('allows a conforming task and records each decision for the audit log', () => {
    const result = evaluatePolicy(policy('strict'), REQUEST, NOW);
    assert.equal(result.allowed, true);
    assert.equal(result.denial, undefined);
    assert.deepEqual(result.adjusted, { runtime: undefined, writable: true, mountUser: { kind: 'owner' }, limits: REQUEST.limits, timeoutMs: 30_000, outputCapBytes: 10 * MiB });
    assert.deepEqual(
      result.decisions.map((d) => [d.decision, d.rule]),
      [
        ['allowed', 'mounts: /home/ada/projects readwrite'],
        ['allowed', 'images.allow: docker.io/baaaht/tools'],
        ['allowed', 'runtimes: none'],
        ['allowed', 'caps'],
      ],
    );
    for (const d of result.decisions) assert.deepEqual([d.time, d.taskId, d.toolType], ['2025-01-02T03:04:05.000Z', 'task-1', 'file_write']);
  });

  const cases: Array<[name: string, mode: PolicyMode, change: Partial<PolicyRequest>, allowed: boolean, rule: string | undefined]> = [
    ['write to a readonly tree', 'strict', { mount: { source: '/home/ada/docs', writable: true } }, false, 'mounts: /home/ada/docs readonly'],
    ['an unlisted mount', 'strict', { mount: { source: '/tmp/x', writable: false } }, false, 'mounts: unlisted'],
    ['a denied image', 'strict', { image: 'docker.io/baaaht/tools:bad' }, false, 'images.deny: docker.io/baaaht/tools:bad'],
    ['an image not allowed', 'strict', { image: 'alpine' }, false, 'images.allow'],
    ['memory over the cap', 'strict', { limits: { cpus: 0.1, memoryBytes: 256 * MiB, pids: 10 } }, false, 'caps.memory'],
    ['a timeout over the cap', 'strict', { timeoutMs: 120_000 }, false, 'caps.timeout'],
    ['the Docker socket directory', 'strict', { mount: { source: '/var/run', writable: false } }, false, 'never-mountable'],
    ['write to a readonly tree', 'permissive', { mount: { source: '/home/ada/docs', writable: true } }, true, undefined],
    ['an image not allowed', 'permissive', { image: 'alpine' }, true, undefined],
    ['memory over the cap', 'permissive', { limits: { cpus: 0.1, memoryBytes: 256 * MiB, pids: 10 } }, true, undefined],
    ['the Docker socket directory', 'permissive', { mount: { source: '/var/run', writable: false } }, false, 'never-mountable'],
    ['an image not allowed', 'disabled', { image: 'alpine' }, true, undefined],
    ['/etc', 'disabled', { mount: { source: '/etc', writable: false } }, false, 'never-mountable'],
  ];
  for (const [name, mode, change, allowed, rule] of cases) {
    it(`${mode}: ${name} → ${allowed ? 'allowed' : `refused by ${rule}`}`, () => {
      const result = evaluatePolicy(policy(mode), { ...REQUEST, ...change }, NOW);
      assert.equal(result.allowed, allowed);
      assert.equal(result.denial?.rule, rule);
      if (!allowed) {
        assert.ok(result.decisions.some((d) => d.decision === 'refused' && d.rule === rule));
        assert.equal(result.adjusted.writable, false);
      }
    });
  }

  it('permissive clamps and records what strict would refuse', () => {
    const result = evaluatePolicy(
      policy('permissive'),
      { ...REQUEST, custom: true, runtime: 'runc', mount: { source: '/home/ada/docs/x', writable: true }, limits: { cpus: 4, memoryBytes: 64 * MiB, pids: 10 }, timeoutMs: 120_000 },
      NOW,
    );
    assert.equal(result.allowed, true);
    assert.deepEqual(result.adjusted, { runtime: 'runsc', writable: false, mountUser: { kind: 'owner' }, limits: { cpus: 0.5, memoryBytes: 64 * MiB, pids: 10 }, timeoutMs: 60_000, outputCapBytes: 10 * MiB });
    assert.deepEqual(
      result.decisions.filter((d) => d.decision === 'clamped').map((d) => d.rule),
      ['mounts: /home/ada/docs readonly', 'runtimes.custom', 'caps.cpus', 'caps.timeout'],
    );
  });

  it('strict reports the first refusal and still records every decision', () => {
    const result = evaluatePolicy(policy('strict'), { ...REQUEST, image: 'alpine', timeoutMs: 120_000 }, NOW);
    assert.equal(result.denial?.rule, 'images.allow');
    assert.deepEqual(result.decisions.filter((d) => d.decision === 'refused').map((d) => d.rule), ['images.allow', 'caps.timeout']);
  });

  it('forces the runtime of custom tools in strict mode too', () => {
    const result = evaluatePolicy(policy('strict'), { ...REQUEST, custom: true, toolType: 'lint' }, NOW);
    assert.equal(result.allowed, true);
    assert.equal(result.adjusted.runtime, 'runsc');
  });

  it('a task without a mount gets no mount decision and is not writable', () => {
    const { mount: _unused, ...request } = REQUEST;
    const result = evaluatePolicy(STRICT_DEFAULT_POLICY, request, NOW);
    assert.equal(result.allowed, true);
    assert.equal(result.adjusted.writable, false);
    assert.ok(!result.decisions.some((d) => d.rule.startsWith('mounts') || d.rule === 'never-mountable'));
  });
});
