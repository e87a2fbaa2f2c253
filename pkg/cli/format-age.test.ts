import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatAge, formatBytes } from './format-age.js';

describe('formatAge', () => {
  const cases: Array<[number, string]> = [
    [-5, '0.0s'],
    [0, '0.0s'],
    [449, '0.4s'],
    [9_999, '9.9s'],
    [10_000, '10s'],
    [59_999, '59s'],
    [65_000, '1m05s'],
    [3_599_000, '59m59s'],
    [3_600_000 + 3 * 60_000, '1h03m'],
    [86_400_000 * 3 + 3_600_000 * 4, '3d04h'],
    [Number.NaN, '0.0s'],
  ];
  for (const [ms, text] of cases) it(`${ms} ms is ${text}`, () => assert.equal(formatAge(ms), text));
});

describe('formatBytes', () => {
  it('uses binary units with one decimal', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1.0 KiB');
    assert.equal(formatBytes(1250), '1.2 KiB');
    assert.equal(formatBytes(5 * 1024 * 1024), '5.0 MiB');
    assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB');
  });
});
