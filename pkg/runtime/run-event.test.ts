import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graceOf } from './run-event.js';

describe('graceOf', () => {
  const cases: Array<{ name: string; reason: unknown; grace: number }> = [
    { name: 'a reason with graceMs', reason: { graceMs: 5_000 }, grace: 5_000 },
    { name: 'a class instance with graceMs', reason: new (class { readonly graceMs = 250; })(), grace: 250 },
    { name: 'graceMs 0', reason: { graceMs: 0 }, grace: 0 },
    { name: 'negative graceMs', reason: { graceMs: -1 }, grace: 0 },
    { name: 'NaN graceMs', reason: { graceMs: Number.NaN }, grace: 0 },
    { name: 'infinite graceMs', reason: { graceMs: Number.POSITIVE_INFINITY }, grace: 0 },
    { name: 'graceMs as a string', reason: { graceMs: '500' }, grace: 0 },
    { name: 'no graceMs', reason: { kind: 'TIMEOUT' }, grace: 0 },
    { name: 'an AbortError', reason: new DOMException('aborted', 'AbortError'), grace: 0 },
    { name: 'undefined', reason: undefined, grace: 0 },
    { name: 'null', reason: null, grace: 0 },
    { name: 'a number', reason: 500, grace: 0 },
    { name: 'a string', reason: 'graceMs', grace: 0 },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.grace}`, () => {
      assert.equal(graceOf(c.reason), c.grace);
    });
  }
});
