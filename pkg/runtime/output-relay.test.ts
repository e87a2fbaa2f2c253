import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputRelay } from './output-relay.js';

describe('OutputRelay', () => {
  it('keeps what comes before connect (up to its cap), then delivers it first and everything after', () => {
    const relay = new OutputRelay(5);
    relay.write(Buffer.from('abc'));
    relay.write(Buffer.from('defg'));
    assert.equal(relay.earlyText, 'abcde');
    const got: string[] = [];
    relay.connect((data) => got.push(data.toString()));
    relay.write(Buffer.from('later'));
    assert.deepEqual(got, ['abc', 'de', 'later']);
    assert.equal(relay.earlyText, '');
  });
});
