import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRuntime } from './decide-runtime.js';
import type { PolicyMode, RuntimeRules } from './policy.js';
import { STRICT_DEFAULT_POLICY } from './policy.js';

describe('decideRuntime', () => {
  const cases: Array<[mode: PolicyMode, rules: RuntimeRules, custom: boolean, asked: string | undefined, verdict: string, runtime: string | undefined]> = [
    ['strict', {}, true, undefined, 'allow', undefined],
    ['strict', {}, false, 'runsc', 'allow', 'runsc'],
    ['strict', { custom: 'runsc' }, true, undefined, 'clamp', 'runsc'],
    ['strict', { custom: 'runsc' }, true, 'runc', 'clamp', 'runsc'],
    ['strict', { custom: 'runsc' }, true, 'runsc', 'allow', 'runsc'],
    ['strict', { custom: 'runsc' }, false, 'runc', 'allow', 'runc'],
    ['strict', { all: 'runsc' }, false, undefined, 'clamp', 'runsc'],
    ['permissive', { all: 'runsc' }, true, 'runc', 'clamp', 'runsc'],
    ['strict', { all: 'runsc', custom: 'kata' }, true, undefined, 'clamp', 'kata'],
    ['strict', { all: 'runsc', custom: 'kata' }, false, undefined, 'clamp', 'runsc'],
    ['disabled', { all: 'runsc' }, true, 'runc', 'allow', 'runc'],
  ];
  for (const [mode, runtimes, custom, asked, verdict, runtime] of cases) {
    it(`${mode} ${JSON.stringify(runtimes)} ${custom ? 'custom' : 'built-in'} asking ${asked ?? 'default'} → ${runtime ?? 'default'}`, () => {
      const decision = decideRuntime({ ...STRICT_DEFAULT_POLICY, mode, runtimes }, custom, asked);
      assert.deepEqual([decision.verdict, decision.runtime], [verdict, runtime]);
    });
  }
});
