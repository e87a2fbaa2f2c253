import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeOutcome } from './run-outcome.js';

describe('makeOutcome: every ending has a cause and a retryable flag', () => {
  const cases: Array<[string, Parameters<typeof makeOutcome>, string, boolean]> = [
    ['exit 0', ['COMPLETED', { exitCode: 0, durationMs: 1, runtime: 'runc' }], 'COMPLETED', false],
    ['exit 2', ['COMPLETED', { exitCode: 2, durationMs: 1, runtime: 'runc' }], 'NON_ZERO_EXIT', false],
    ['exit 0 but stdout cut', ['COMPLETED', { exitCode: 0, stdoutTruncated: true, durationMs: 1, runtime: 'runc' }], 'OUTPUT_TRUNCATED', false],
    ['stderr cut', ['COMPLETED', { exitCode: 1, stderrTruncated: true, durationMs: 1, runtime: 'runc' }], 'OUTPUT_TRUNCATED', false],
    ['timeout', ['TIMEOUT', { exitCode: 137, durationMs: 1, runtime: 'runc', error: { code: 'TOOL_TIMEOUT', message: 'm' } }], 'TOOL_TIMEOUT', false],
    ['oom', ['FAILED', { exitCode: 137, durationMs: 1, runtime: 'runc', error: { code: 'OUT_OF_MEMORY', message: 'm' } }], 'OUT_OF_MEMORY', false],
    ['engine down', ['FAILED', { durationMs: 1, runtime: '', error: { code: 'ENGINE_UNAVAILABLE', message: 'm' } }], 'ENGINE_UNAVAILABLE', true],
    ['shutdown', ['CANCELLED', { durationMs: 1, runtime: '', error: { code: 'WORKER_SHUTDOWN', message: 'm' } }], 'WORKER_SHUTDOWN', true],
    ['policy', ['FAILED', { durationMs: 1, runtime: '', error: { code: 'POLICY_DENIED', message: 'm' } }], 'POLICY_DENIED', false],
  ];
  for (const [name, args, cause, retryable] of cases) {
    it(`${name} → ${cause}${retryable ? ' (retryable)' : ''}`, () => {
      const outcome = makeOutcome(...args);
      assert.equal(outcome.cause, cause);
      assert.equal(outcome.retryable, retryable);
    });
  }

  it('fills the defaults of an ending without a process', () => {
    const outcome = makeOutcome('FAILED', { durationMs: 0, runtime: '', error: { code: 'IMAGE_MISSING', message: 'm' } });
    assert.equal(outcome.exitCode, -1);
    assert.equal(outcome.stdoutTruncated, false);
  });
});
