import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CappedSink } from './capped-sink.js';

async function feed(capBytes: number, chunks: string[]): Promise<{ delivered: string[]; truncated: boolean }> {
  const delivered: string[] = [];
  const sink = new CappedSink(capBytes, (data) => delivered.push(data.toString()));
  for (const chunk of chunks) sink.write(Buffer.from(chunk));
  await new Promise<void>((resolve, reject) => {
    sink.once('error', reject);
    sink.end(resolve);
  });
  return { delivered, truncated: sink.truncated };
}

describe('CappedSink', () => {
  const cases: Array<{ name: string; cap: number; chunks: string[]; delivered: string[]; truncated: boolean }> = [
    { name: 'under the cap', cap: 10, chunks: ['abc', 'de'], delivered: ['abc', 'de'], truncated: false },
    { name: 'exactly the cap in one chunk', cap: 5, chunks: ['abcde'], delivered: ['abcde'], truncated: false },
    { name: 'exactly the cap over chunks', cap: 5, chunks: ['abc', 'de'], delivered: ['abc', 'de'], truncated: false },
    { name: 'cut inside a chunk', cap: 4, chunks: ['ab', 'cdef', 'gh'], delivered: ['ab', 'cd'], truncated: true },
    { name: 'cut inside the first chunk', cap: 3, chunks: ['abcdef'], delivered: ['abc'], truncated: true },
    { name: 'one byte over after the cap is full', cap: 3, chunks: ['abc', 'd'], delivered: ['abc'], truncated: true },
    { name: 'zero cap drops everything', cap: 0, chunks: ['a', 'bc'], delivered: [], truncated: true },
    { name: 'zero cap and no data', cap: 0, chunks: [], delivered: [], truncated: false },
  ];
  for (const c of cases) {
    it(`${c.name}: delivers ${JSON.stringify(c.delivered)}, truncated ${c.truncated}`, async () => {
      const result = await feed(c.cap, c.chunks);
      assert.deepEqual(result.delivered, c.delivered);
      assert.equal(result.truncated, c.truncated);
      assert.ok(result.delivered.join('').length <= c.cap);
    });
  }

  it('hands on the chunk itself when all of it fits, a view of it when cut', async () => {
    const seen: Buffer[] = [];
    const sink = new CappedSink(6, (data) => seen.push(data));
    const first = Buffer.from('abcd');
    const second = Buffer.from('efgh');
    sink.write(first);
    sink.write(second);
    await new Promise<void>((resolve) => sink.end(resolve));
    assert.equal(seen[0], first);
    assert.equal(seen[1]?.toString(), 'ef');
    assert.equal(seen[1]?.buffer, second.buffer, 'a subarray, not a copy');
  });
});
