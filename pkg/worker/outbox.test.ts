import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox } from './outbox.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function tracked(promise: Promise<void>): { readonly done: boolean; promise: Promise<void> } {
  const state = { done: false, promise };
  void promise.then(() => {
    state.done = true;
  });
  return state;
}

describe('Outbox', () => {
  it('send resolves at once under the high-water mark', async () => {
    const outbox = new Outbox<number>(3);
    const sends = [1, 2, 3].map((n) => tracked(outbox.send(n)));
    await tick();
    assert.deepEqual(
      sends.map((s) => s.done),
      [true, true, true],
    );
  });

  it('send waits while the outbox is full until the consumer pulls a message', async () => {
    const outbox = new Outbox<number>(2);
    await outbox.send(1);
    await outbox.send(2);
    const third = tracked(outbox.send(3));
    await tick();
    assert.equal(third.done, false);
    const messages = outbox.messages();
    assert.deepEqual(await messages.next(), { value: 1, done: false });
    await tick();
    assert.equal(third.done, true);
    outbox.close();
    const rest: number[] = [];
    for await (const m of messages) rest.push(m);
    assert.deepEqual(rest, [2, 3]);
  });

  it('keeps every message in order across waiting senders', async () => {
    const outbox = new Outbox<number>(1);
    const sender = (async () => {
      for (let n = 0; n < 20; n++) await outbox.send(n);
      outbox.close();
    })();
    const seen: number[] = [];
    for await (const m of outbox.messages()) {
      seen.push(m);
      await tick();
    }
    await sender;
    assert.deepEqual(
      seen,
      Array.from({ length: 20 }, (_, n) => n),
    );
  });

  it('close() releases waiting senders and drops their messages and later sends', async () => {
    const outbox = new Outbox<string>(1);
    await outbox.send('kept');
    const waiting = tracked(outbox.send('dropped while waiting'));
    await tick();
    assert.equal(waiting.done, false);
    assert.equal(outbox.closed, false);
    outbox.close();
    assert.equal(outbox.closed, true);
    await waiting.promise;
    await outbox.send('dropped after close');
    const seen: string[] = [];
    for await (const m of outbox.messages()) seen.push(m);
    assert.deepEqual(seen, ['kept']);
  });

  it('stops yielding when the consumer’s signal aborts', async () => {
    const outbox = new Outbox<number>();
    const controller = new AbortController();
    const consumed = (async () => {
      for await (const _ of outbox.messages(controller.signal)) assert.fail('nothing was sent');
    })();
    await tick();
    controller.abort(new Error('call ended'));
    await assert.rejects(consumed, /call ended/);
  });
});
