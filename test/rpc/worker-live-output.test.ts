// #12 §1: a running task's output goes on live after a reconnect. Before, once a message of a
// task had missed the stream (the link dropped), the rest of its output was held back until it
// ended and then sent whole. Now what it produced meanwhile is sent on the new stream with its
// offsets (the orchestrator keeps what it lacks), and what it produces next goes out live. The
// orchestrator is scripted in the test (harness.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OutputStream, Task, type WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { makeOutcome } from '../../pkg/worker/run-outcome.js';
import { scriptedExecutor, startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

/** A gate the test opens. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Stdout as an orchestrator that places chunks by offset has it. */
function placed(messages: readonly WorkerMessage[]): string {
  const bytes = Buffer.alloc(1024);
  let end = 0;
  for (const m of messages) {
    if (m.event?.$case !== 'output' || m.event.output.stream !== OutputStream.OUTPUT_STREAM_STDOUT) continue;
    const offset = Number(m.event.output.offset ?? 0);
    Buffer.from(m.event.output.data).copy(bytes, offset);
    end = Math.max(end, offset + m.event.output.data.length);
  }
  return bytes.subarray(0, end).toString();
}

describe('a task that writes before, during and after a reconnect', () => {
  let pair: ScriptedPair;
  const disconnected = gate();
  const secondSeen = gate();
  const thirdSeen = gate();
  const write = (text: string) => ({ type: 'output' as const, stream: 'stdout' as const, data: Buffer.from(text) });

  before(async () => {
    pair = await startScriptedPair({
      orchestrator: {
        register: () => ({ outputOffsets: true, protocolVersion: 2 }),
        onStream: (stream) => {
          if (stream.number === 1) stream.send({ taskId: 'live', command: { $case: 'assign', assign: { task: Task.fromPartial({ toolType: 'file_read' }), leaseEpoch: 1, attempt: 1 } } });
        },
      },
      executor: scriptedExecutor(async ({ progress }) => {
        await progress({ type: 'running', containerId: 'c1', runtime: 'runc', profile: 'p' });
        await progress(write('one\n'));
        await disconnected.opened;
        await progress(write('two\n'));
        await secondSeen.opened;
        await progress(write('three\n'));
        await thirdSeen.opened;
        return makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
      }),
      argv: ['--reconnect-interval', '50ms'],
    });
  });

  after(() => {
    for (const g of [disconnected, secondSeen, thirdSeen]) g.open();
    return pair?.close();
  });

  it('sends the output on the new stream while the task runs, each byte at its offset', async () => {
    const { orchestrator } = pair;
    const on = (n: number) => orchestrator.streams[n - 1]?.received.filter((m) => m.taskId === 'live') ?? [];
    await waitFor(() => placed(on(1)) === 'one\n', 10_000);
    orchestrator.streams[0]!.fail('the link drops');
    disconnected.open();
    await waitFor(() => placed(on(2)) === 'one\ntwo\n', 10_000);
    secondSeen.open();
    await waitFor(() => placed(on(2)) === 'one\ntwo\nthree\n', 10_000);
    assert.equal(on(2).some((m) => m.event?.$case === 'completed'), false, 'live: before the task ended');
    thirdSeen.open();
    const done = await waitFor(() => on(2).find((m) => m.event?.$case === 'completed'), 10_000);
    assert.equal(done.event?.$case === 'completed' && done.event.completed.outputIncluded, false, 'the output went as chunks');
    assert.equal(on(2).filter((m) => m.event?.$case === 'running').length, 0, 'running went out once, on the first stream');
  });
});
