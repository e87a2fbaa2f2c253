import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leashHeader } from './leash.js';

describe('leashHeader', () => {
  it('is the length in decimal and a newline', () => {
    assert.deepEqual(leashHeader(0), Buffer.from('0\n'));
    assert.deepEqual(leashHeader(1_048_576), Buffer.from('1048576\n'));
  });
});
