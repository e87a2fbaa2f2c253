import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { OutputCoalescer } from './output-coalescer.js';
import type { OutputStreamName } from './output-log.js';

function recorder(): { sent: Array<[OutputStreamName, string]>; sink: (s: OutputStreamName, d: Buffer) => Promise<void> } {
  const sent: Array<[OutputStreamName, string]> = [];
  return { sent, sink: async (stream, data) => void sent.push([stream, data.toString()]) };
}

describe('OutputCoalescer', () => {
  it('joins small chunks up to the chunk size and splits what is larger', async () => {
    const { sent, sink } = recorder();
    const c = new OutputCoalescer(sink, { maxChunkBytes: 4, flushDelayMs: 1000 });
    await c.push('stdout', Buffer.from('ab'));
    await c.push('stdout', Buffer.from('c'));
    assert.deepEqual(sent, [], 'a partial chunk waits');
    await c.push('stdout', Buffer.from('defghij'));
    assert.deepEqual(sent, [['stdout', 'abcd'], ['stdout', 'efgh']]);
    await c.flush();
    assert.deepEqual(sent, [['stdout', 'abcd'], ['stdout', 'efgh'], ['stdout', 'ij']]);
  });

  it('keeps the interleaving of stdout and stderr exactly', async () => {
    const { sent, sink } = recorder();
    const c = new OutputCoalescer(sink, { maxChunkBytes: 100, flushDelayMs: 1000 });
    for (const [stream, text] of [['stdout', 'a'], ['stdout', 'b'], ['stderr', 'X'], ['stdout', 'c'], ['stderr', 'Y'], ['stderr', 'Z']] as const) {
      await c.push(stream, Buffer.from(text));
    }
    await c.flush();
    assert.deepEqual(sent, [['stdout', 'ab'], ['stderr', 'X'], ['stdout', 'c'], ['stderr', 'YZ']]);
  });

  it('sends a partial chunk after the flush delay', async () => {
    const { sent, sink } = recorder();
    const c = new OutputCoalescer(sink, { maxChunkBytes: 100, flushDelayMs: 5 });
    await c.push('stderr', Buffer.from('late'));
    assert.deepEqual(sent, []);
    await sleep(30);
    assert.deepEqual(sent, [['stderr', 'late']]);
    c.close();
  });

  it('back-pressure: push waits while the sink is slow, holding at most two chunks', async () => {
    let release: (() => void) | undefined;
    const sent: string[] = [];
    const sink = (_: OutputStreamName, data: Buffer): Promise<void> =>
      new Promise((resolve) => {
        release = () => {
          sent.push(data.toString());
          resolve();
        };
      });
    const c = new OutputCoalescer(sink, { maxChunkBytes: 2, flushDelayMs: 1000 });
    let done = false;
    const pushing = (async () => {
      await c.push('stdout', Buffer.from('abcdef'));
      done = true;
    })();
    await sleep(5);
    assert.equal(done, false, 'the first full chunk is still with the sink');
    while (!done) {
      release?.();
      await sleep(1);
    }
    await pushing;
    assert.deepEqual(sent, ['ab', 'cd', 'ef']);
  });

  it('a failing sink fails the next push or flush', async () => {
    const c = new OutputCoalescer(async () => Promise.reject(new Error('link gone')), { maxChunkBytes: 2, flushDelayMs: 1 });
    await c.push('stdout', Buffer.from('a'));
    await sleep(10);
    await assert.rejects(c.push('stdout', Buffer.from('bc')), /link gone/);
    await assert.rejects(c.flush(), /link gone/);
  });

  it('runs a job after what was handed on, before what comes later; its failure is its own', async () => {
    const sent: string[] = [];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const c = new OutputCoalescer(
      async (_stream, data) => {
        if (data.toString() === 'a') await slow;
        sent.push(data.toString());
      },
      { maxChunkBytes: 1, flushDelayMs: 1000 },
    );
    const first = c.push('stdout', Buffer.from('a'));
    const job = c.after(async () => {
      sent.push('job');
      throw new Error('the job failed');
    });
    const later = c.push('stdout', Buffer.from('b'));
    release();
    await Promise.all([first, job, later, c.flush()]);
    assert.deepEqual(sent, ['a', 'job', 'b']);
  });
});
