// #12 §1, [O15]: the orchestrator never sends a worker a message larger than the receive limit the
// worker advertised at Register. Before, a 200 KiB assignment to a worker that accepts 64 KiB
// killed its whole stream: no answer for that task, and another task's live output was cut. Now
// the task fails at once with MESSAGE_TOO_LARGE, and the stream and the other tasks go on. The
// worker is scripted (fake-worker.ts) over a channel that really refuses more than 64 KiB.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Channel } from 'nice-grpc';
import { OutputStream, Task, TaskState, type TaskEvent } from '../../pkg/gen/agent/v1/agent.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { createFakeWorker, type FakeWorker } from './fake-worker.js';
import { collect, MiB, startOrchestrator, type Harness } from './harness.js';

const LIMIT = 64 * 1024;
const read = (path: string) => Task.fromPartial({ toolType: 'file_read', params: { $case: 'fileRead', fileRead: { path } } });
const write = (bytes: number) => Task.fromPartial({ toolType: 'file_write', params: { $case: 'fileWrite', fileWrite: { path: 'big.bin', content: Buffer.alloc(bytes, 7) } } });

/** The next event of a RunTask stream that is not `submitted`. */
async function nextEvent(events: AsyncIterator<TaskEvent>): Promise<TaskEvent> {
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error('the stream ended');
    if (next.value.event?.$case !== 'submitted') return next.value;
  }
}

describe('an assignment larger than the worker accepts (max_receive_message_bytes)', () => {
  let h: Harness;
  let channel: Channel;
  let worker: FakeWorker;
  before(async () => {
    h = await startOrchestrator();
    channel = createGrpcChannel(h.address, { maxRecvMsgSize: LIMIT, maxSendMsgSize: 4 * MiB });
    worker = createFakeWorker(channel, { name: 'small', toolTypes: ['file_read', 'file_write'], maxConcurrentTasks: 2 });
    await worker.register({ protocolVersion: 2, maxReceiveMessageBytes: LIMIT });
    await worker.connect();
  });
  after(async () => {
    await h.close();
    channel.close();
  });

  it('fails MESSAGE_TOO_LARGE without being sent; the stream, a running task and the next task go on', async () => {
    // A task runs and streams output.
    const running = h.tasks.runTask({ task: read('a.txt') })[Symbol.asyncIterator]();
    const firstEvent = nextEvent(running);
    const assigned = await worker.nextCommand();
    assert.equal(assigned.command?.$case, 'assign');
    const runningId = assigned.taskId;
    worker.send({ taskId: runningId, event: { $case: 'accepted', accepted: { queuePosition: 0 } } });
    worker.send({ taskId: runningId, event: { $case: 'running', running: { containerId: 'c1', runtime: 'runc', profile: 'p' } } });
    assert.equal((await firstEvent).event?.$case, 'running');
    worker.send({ taskId: runningId, event: { $case: 'output', output: { stream: OutputStream.OUTPUT_STREAM_STDOUT, data: Buffer.from('before '), offset: 0 } } });
    const before = await nextEvent(running);
    assert.equal(before.event?.$case === 'output' && before.event.output.data.toString(), 'before ');

    // 200 KiB to a worker that takes 64 KiB: never sent.
    const big = await collect(h.tasks.runTask({ task: write(200 * 1024) }, { signal: AbortSignal.timeout(5_000) }));
    assert.equal(big.result.state, TaskState.TASK_STATE_FAILED);
    assert.equal(big.result.cause, 'MESSAGE_TOO_LARGE');
    assert.equal(big.result.error?.code, 'MESSAGE_TOO_LARGE');
    assert.equal(big.result.retryable, false);
    assert.match(big.result.error?.message ?? '', new RegExp(`the assignment is 20\\d{4} bytes, more than the ${LIMIT} bytes worker small accepts`), big.result.error?.message);
    assert.equal(big.result.attempt, 0, 'never assigned');
    const view = await h.tasks.getTask({ taskId: big.taskId });
    assert.deepEqual([view.state, view.result?.cause], [TaskState.TASK_STATE_FAILED, 'MESSAGE_TOO_LARGE']);
    assert.deepEqual(worker.pendingCommands(), [], 'the worker heard nothing of it');

    // The running task's live output goes on, on the same stream.
    worker.send({ taskId: runningId, event: { $case: 'output', output: { stream: OutputStream.OUTPUT_STREAM_STDOUT, data: Buffer.from('after'), offset: 7 } } });
    const afterChunk = await nextEvent(running);
    assert.equal(afterChunk.event?.$case === 'output' && afterChunk.event.output.data.toString(), 'after');
    worker.complete(runningId);
    assert.deepEqual(await worker.nextAck(), { taskId: runningId, leaseEpoch: 1, accepted: true });
    const final = await nextEvent(running);
    assert.equal(final.event?.$case === 'result' && final.event.result.stdout.toString(), 'before after');

    // A small task on the same worker completes.
    const small = collect(h.tasks.runTask({ task: write(1024) }));
    const next = await worker.nextCommand();
    assert.equal(next.command?.$case, 'assign');
    worker.run(next.taskId, { stdout: ['written'] });
    const done = await small;
    assert.deepEqual([done.result.state, done.stdout], [TaskState.TASK_STATE_COMPLETED, 'written']);
    assert.equal(await Promise.race([worker.streamEnd(), Promise.resolve('still open')]), 'still open');
  });
});
