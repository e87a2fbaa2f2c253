import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideLimits, type RequestedLimits } from './decide-limits.js';
import type { Policy, PolicyMode } from './policy.js';
import { STRICT_DEFAULT_POLICY } from './policy.js';

const MiB = 1024 * 1024;
const CAPS = { cpus: 0.5, memoryBytes: 128 * MiB, pids: 20, timeoutMs: 60_000, outputBytes: 10 * MiB };
const WITHIN: RequestedLimits = { limits: { cpus: 0.2, memoryBytes: 64 * MiB, pids: 10 }, timeoutMs: 30_000, outputCapBytes: MiB };
const OVER: RequestedLimits = { limits: { cpus: 2, memoryBytes: 1024 * MiB, pids: 20 }, timeoutMs: 600_000, outputCapBytes: 0 };

function policy(mode: PolicyMode): Policy {
  return { ...STRICT_DEFAULT_POLICY, mode, caps: CAPS };
}

describe('decideLimits', () => {
  for (const mode of ['strict', 'permissive', 'disabled'] as const) {
    it(`${mode}: values within the caps stand`, () => {
      const result = decideLimits(policy(mode), WITHIN);
      assert.deepEqual(result.limits, WITHIN.limits);
      assert.deepEqual(result.decisions.map((d) => d.verdict), ['allow']);
    });
  }

  it('strict refuses every value over its cap (a value equal to its cap is fine) and changes nothing', () => {
    const result = decideLimits(policy('strict'), OVER);
    assert.deepEqual(
      result.decisions.map((d) => [d.verdict, d.rule]),
      [
        ['deny', 'caps.cpus'],
        ['deny', 'caps.memory'],
        ['deny', 'caps.timeout'],
        ['deny', 'caps.output'],
      ],
    );
    assert.deepEqual(result.limits, OVER.limits);
    assert.match(result.decisions[3]?.reason ?? '', /no limit/);
  });

  it('permissive lowers each value over its cap to the cap', () => {
    const result = decideLimits(policy('permissive'), OVER);
    assert.deepEqual(result.limits, { cpus: 0.5, memoryBytes: 128 * MiB, pids: 20 });
    assert.equal(result.timeoutMs, 60_000);
    assert.equal(result.outputCapBytes, 10 * MiB);
    assert.deepEqual(result.decisions.map((d) => d.verdict), ['clamp', 'clamp', 'clamp', 'clamp']);
  });

  it('disabled, or no caps: values stand', () => {
    for (const p of [policy('disabled'), STRICT_DEFAULT_POLICY]) {
      const result = decideLimits(p, OVER);
      assert.deepEqual([result.limits, result.timeoutMs, result.outputCapBytes], [OVER.limits, OVER.timeoutMs, OVER.outputCapBytes]);
      assert.deepEqual(result.decisions.map((d) => d.verdict), ['allow']);
    }
  });

  it('only the capped fields are checked', () => {
    const p: Policy = { ...STRICT_DEFAULT_POLICY, caps: { pids: 5 } };
    assert.deepEqual(decideLimits(p, OVER).decisions.map((d) => d.rule), ['caps.pids']);
  });
});
