import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAttemptOutput, takeChunk } from './attempt-output.js';

const take = (output: ReturnType<typeof createAttemptOutput>, text: string, offset?: number): string | undefined =>
  takeChunk(output, 'stdout', Buffer.from(text), offset)?.toString();

describe('takeChunk', () => {
  it('keeps chunks in order and trims a resend to what is new', () => {
    const output = createAttemptOutput(100);
    assert.equal(take(output, 'abc', 0), 'abc');
    assert.equal(take(output, 'def', 3), 'def');
    assert.equal(take(output, 'abcdefgh', 0), 'gh', 'a resend from 0 adds only its tail');
    assert.equal(take(output, 'cde', 2), undefined, 'nothing new');
    assert.equal(take(output, '', 8), undefined, 'empty');
    assert.equal(take(output, 'ij'), 'ij', 'no offset: it follows the chunk before');
    assert.equal(output.stdout.bytes().toString(), 'abcdefghij');
    assert.deepEqual(output.received, { stdout: 10, stderr: 0 });
  });

  it('a chunk past what came (a gap) is taken whole and counts from its offset', () => {
    const output = createAttemptOutput(100);
    assert.equal(take(output, 'ab', 0), 'ab');
    assert.equal(take(output, 'xy', 5), 'xy');
    assert.equal(output.received.stdout, 7);
    assert.equal(take(output, 'zz', 6), 'z');
  });

  it('gives clients every new byte while the result keeps the first capBytes', () => {
    const output = createAttemptOutput(4);
    assert.equal(take(output, 'abc', 0), 'abc');
    assert.equal(take(output, 'defg', 3), 'defg');
    assert.equal(output.stdout.bytes().toString(), 'abcd');
    assert.equal(output.stdout.truncated, true);
    assert.equal(output.received.stdout, 7);
  });

  it('counts each stream on its own', () => {
    const output = createAttemptOutput(100);
    takeChunk(output, 'stdout', Buffer.from('out'), 0);
    assert.equal(takeChunk(output, 'stderr', Buffer.from('err'), 0)?.toString(), 'err');
    assert.deepEqual(output.received, { stdout: 3, stderr: 3 });
  });
});
