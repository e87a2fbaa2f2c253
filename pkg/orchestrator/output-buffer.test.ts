import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createOutputBuffer } from './output-buffer.js';

describe('createOutputBuffer', () => {
  it('assembles chunks in order', () => {
    const buffer = createOutputBuffer(100);
    buffer.append(Buffer.from('hello '));
    buffer.append(Buffer.alloc(0));
    buffer.append(Buffer.from('world'));
    assert.equal(buffer.bytes().toString(), 'hello world');
    assert.equal(buffer.length, 11);
    assert.equal(buffer.truncated, false);
  });

  it('keeps a prefix up to the cap and flags truncation', () => {
    const buffer = createOutputBuffer(8);
    assert.equal(buffer.append(Buffer.from('12345')).toString(), '12345');
    assert.equal(buffer.append(Buffer.from('6789')).toString(), '678');
    assert.equal(buffer.append(Buffer.from('more')).length, 0);
    assert.equal(buffer.bytes().toString(), '12345678');
    assert.equal(buffer.truncated, true);
  });

  it('does not alias the caller\'s bytes', () => {
    const buffer = createOutputBuffer(8);
    const chunk = Buffer.from('abc');
    buffer.append(chunk);
    chunk.fill(0);
    assert.equal(buffer.bytes().toString(), 'abc');
  });
});
