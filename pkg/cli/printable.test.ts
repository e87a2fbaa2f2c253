import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { printable, printableStrings } from './printable.js';

describe('printable', () => {
  it('shows every control character as U+FFFD and keeps the rest', () => {
    assert.equal(printable('w1\u001b]0;owned\u0007\r\nx\u009b2J\u007f ok é ⠹'), 'w1\uFFFD]0;owned\uFFFD\uFFFD\uFFFDx\uFFFD2J\uFFFD ok é ⠹');
    assert.equal(printable('plain-name_1'), 'plain-name_1');
  });

  it('copies strings deep (keys too) and leaves bytes and other values alone', () => {
    const bytes = Buffer.from('\u001b[31mraw tool output\n');
    const input = { name: 'a\u001bb', labels: { 'k\n': 'v\r' }, list: ['x\u0007'], stdout: bytes, n: 3, ok: true, none: undefined };
    const out = printableStrings(input);
    assert.deepEqual(out, { name: 'a\uFFFDb', labels: { 'k\uFFFD': 'v\uFFFD' }, list: ['x\uFFFD'], stdout: bytes, n: 3, ok: true, none: undefined });
    assert.equal(out.stdout, bytes, 'the same bytes, not a copy');
    assert.equal(input.name, 'a\u001bb', 'the input is not changed');
  });
});
