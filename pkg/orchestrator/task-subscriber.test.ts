import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutputStream, type TaskEvent } from '../gen/agent/v1/agent.js';
import { createTaskSubscriber } from './task-subscriber.js';

const output = (stream: OutputStream, text: string): TaskEvent => ({
  taskId: 't',
  event: { $case: 'output', output: { stream, data: Buffer.from(text) } },
});
const submitted: TaskEvent = { taskId: 't', event: { $case: 'submitted', submitted: { worker: '' } } };

async function drain(events: AsyncIterable<TaskEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of events) {
    seen.push(event.event?.$case === 'output' ? event.event.output.data.toString() : String(event.event?.$case));
  }
  return seen;
}

describe('createTaskSubscriber', () => {
  it('delivers events in order and finishes after end()', async () => {
    const subscriber = createTaskSubscriber({ maxBufferedBytes: 100 });
    subscriber.send(submitted);
    subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'a'));
    subscriber.end();
    assert.deepEqual(await drain(subscriber.events(new AbortController().signal)), ['submitted', 'a']);
  });

  it('past the bound, send asks the sender to wait until the client has read half of it', async () => {
    const subscriber = createTaskSubscriber({ maxBufferedBytes: 4, stallMs: 10_000 });
    assert.equal(subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'abc')), undefined);
    const wait = subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'def'));
    assert.ok(wait, 'over the bound: wait');
    let ready = false;
    void wait.then(() => (ready = true));
    const events = subscriber.events(new AbortController().signal);
    await events.next();
    await new Promise((r) => setImmediate(r));
    assert.equal(ready, false, '3 bytes left is more than half of 4');
    await events.next();
    await new Promise((r) => setImmediate(r));
    assert.equal(ready, true);
    assert.equal(subscriber.dropped(OutputStream.OUTPUT_STREAM_STDOUT), false, 'nothing dropped');
    subscriber.end();
    assert.deepEqual(await drain(events), []);
  });

  it('a client that reads nothing for stallMs stops holding the sender up; its later output is dropped (a prefix survives)', async () => {
    const subscriber = createTaskSubscriber({ maxBufferedBytes: 4, stallMs: 20 });
    subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'abc'));
    const wait = subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'def'));
    await wait; // settles by the stall timeout, with nobody reading
    assert.equal(subscriber.send(output(OutputStream.OUTPUT_STREAM_STDERR, 'x')), undefined);
    subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'g'));
    subscriber.send(submitted);
    subscriber.end();
    assert.equal(subscriber.dropped(OutputStream.OUTPUT_STREAM_STDOUT), true);
    assert.equal(subscriber.dropped(OutputStream.OUTPUT_STREAM_STDERR), true);
    assert.deepEqual(await drain(subscriber.events(new AbortController().signal)), ['abc', 'def', 'submitted']);
  });

  it('once the client is gone (or nobody follows), nothing is queued and nobody waits', async () => {
    const subscriber = createTaskSubscriber({ maxBufferedBytes: 1, stallMs: 10_000 });
    const wait = subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'abc'));
    assert.ok(wait);
    const events = subscriber.events(new AbortController().signal);
    await events.next();
    await events.return();
    await wait;
    assert.equal(subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'more')), undefined);
    const unfollowed = createTaskSubscriber({ maxBufferedBytes: 1 });
    unfollowed.end();
    assert.equal(unfollowed.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'abc')), undefined);
  });

  it('frees room as the client reads', async () => {
    const subscriber = createTaskSubscriber({ maxBufferedBytes: 3 });
    const events = subscriber.events(new AbortController().signal);
    subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'abc'));
    assert.equal((await events.next()).done, false);
    subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'def'));
    subscriber.end();
    const rest = await drain(events);
    assert.deepEqual(rest, ['def']);
  });

  it('stops waiting when the signal aborts', async () => {
    const subscriber = createTaskSubscriber({ maxBufferedBytes: 3 });
    const controller = new AbortController();
    const pending = drain(subscriber.events(controller.signal));
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
  });

  it('ends with the error given to fail(), after what was queued', async () => {
    const subscriber = createTaskSubscriber({ maxBufferedBytes: 100 });
    subscriber.send(submitted);
    subscriber.fail(new Error('going away'));
    subscriber.send(submitted);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of subscriber.events(new AbortController().signal)) seen.push(String(event.event?.$case));
      })(),
      /going away/,
    );
    assert.deepEqual(seen, ['submitted']);
  });

  it('lets output through again for a new attempt', async () => {
    const subscriber = createTaskSubscriber({ maxBufferedBytes: 3, stallMs: 10 });
    await subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'abcd'));
    subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'e'));
    assert.equal(subscriber.dropped(OutputStream.OUTPUT_STREAM_STDOUT), true);
    subscriber.newAttempt();
    subscriber.send(output(OutputStream.OUTPUT_STREAM_STDOUT, 'ab'));
    subscriber.end();
    assert.deepEqual(await drain(subscriber.events(new AbortController().signal)), ['abcd', 'ab']);
  });
});
