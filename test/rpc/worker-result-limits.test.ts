// #12 §1: nothing the worker sends is larger than the orchestrator takes
// (RegisterResponse.max_receive_message_bytes, 0 → 4 MiB). Before, one unacknowledged 5 MiB
// result was resent whole to an orchestrator that does not announce output_offsets, the stream
// died on it every time, and the worker registered again and again (33 times in 25 s). Each
// orchestrator here is scripted in the test (harness.ts, startScriptedOrchestrator).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { OutputStream, Task, WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { makeOutcome } from '../../pkg/worker/run-outcome.js';
import { ackOf, MiB, scriptedExecutor, spoolResult, startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

/** Bytes that show where they were cut: byte i is i mod 251. */
function pattern(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = i % 251;
  return bytes;
}

const RECONNECT_FAST = ['--reconnect-interval', '100ms', '--reconnect-max-interval', '200ms'];
const completes = () => scriptedExecutor(async () => makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 }));

describe('an orchestrator without output_offsets and gRPC\'s 4 MiB limit, an unacknowledged 5 MiB result', () => {
  let pair: ScriptedPair;
  const stdout = pattern(5 * MiB);

  before(async () => {
    pair = await startScriptedPair({
      prepare: (dir) => spoolResult(dir, 'big', { stdout, stderr: Buffer.from('warning\n') }),
      orchestrator: {
        // A third party's orchestrator: no protocol version, no limit, no output_offsets.
        register: () => ({ outputOffsets: false }),
        onMessage: (message, stream) => {
          if (message.event?.$case === 'completed') stream.send(ackOf(message));
        },
      },
      executor: completes(),
      argv: RECONNECT_FAST,
    });
  });

  after(() => pair?.close());

  it('registers with protocol version 2 and its own receive limit', async () => {
    const request = await waitFor(() => pair.orchestrator.registrations[0], 10_000);
    assert.equal(request.protocolVersion, 2);
    assert.equal(request.maxReceiveMessageBytes, 104_857_600);
  });

  it('is delivered in one registration, cut to fit, and marked truncated', async () => {
    const result = await waitFor(() => pair.orchestrator.received.find((m) => m.taskId === 'big' && m.event?.$case === 'completed'), 10_000);
    assert.ok(WorkerMessage.encode(result).finish().length <= 4 * MiB, 'the message fits the 4 MiB limit');
    assert.equal(result.event?.$case, 'completed');
    if (result.event?.$case !== 'completed') return;
    const completed = result.event.completed;
    assert.equal(completed.outputIncluded, true);
    assert.equal(completed.stdoutTruncated, true);
    assert.equal(completed.stderrTruncated, false);
    assert.equal(Buffer.from(completed.stderr).toString(), 'warning\n');
    assert.ok(completed.stdout.length > 3 * MiB, `most of the output is kept (${completed.stdout.length} bytes)`);
    assert.ok(Buffer.from(completed.stdout).equals(stdout.subarray(0, completed.stdout.length)), 'the head of stdout, as it was');
    await waitFor(() => pair.agent.unacknowledgedResults === 0, 5_000);
    await sleep(1_000);
    assert.equal(pair.orchestrator.registrations.length, 1, 'no registration after the first');
  });
});

describe('an orchestrator with output_offsets and a 64 KiB limit', () => {
  let pair: ScriptedPair;
  const spooled = pattern(300 * 1024);
  const live = pattern(200 * 1024).reverse();
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));

  before(async () => {
    pair = await startScriptedPair({
      prepare: (dir) => spoolResult(dir, 'spooled', { stdout: spooled }),
      orchestrator: {
        maxReceiveMessageBytes: 64 * 1024,
        register: () => ({ outputOffsets: true, protocolVersion: 2, maxReceiveMessageBytes: 64 * 1024 }),
        onStream: (stream) => stream.send({ taskId: 'live', command: { $case: 'assign', assign: { task: Task.fromPartial({ toolType: 'file_read' }), leaseEpoch: 1, attempt: 1 } } }),
        onMessage: (message, stream) => {
          if (message.event?.$case === 'completed') stream.send(ackOf(message));
        },
      },
      executor: scriptedExecutor(async (run) => {
        await run.progress({ type: 'output', stream: 'stdout', data: live });
        await released;
        return makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
      }),
      argv: RECONNECT_FAST,
    });
  });

  after(() => {
    release();
    return pair?.close();
  });

  /** A task's stdout as the orchestrator places it: each chunk at its offset. */
  const placed = (taskId: string): Buffer => {
    const bytes = Buffer.alloc(400 * 1024);
    let end = 0;
    for (const m of pair.orchestrator.received) {
      if (m.taskId !== taskId || m.event?.$case !== 'output' || m.event.output.stream !== OutputStream.OUTPUT_STREAM_STDOUT) continue;
      const offset = Number(m.event.output.offset ?? 0);
      Buffer.from(m.event.output.data).copy(bytes, offset);
      end = Math.max(end, offset + m.event.output.data.length);
    }
    return bytes.subarray(0, end);
  };

  it('resends a spooled result as chunks that fit, then its result', async () => {
    await waitFor(() => pair.orchestrator.received.find((m) => m.taskId === 'spooled' && m.event?.$case === 'completed'), 10_000);
    assert.ok(placed('spooled').equals(spooled), 'the whole output, by offset');
  });

  it('cuts live output into chunks that fit', async () => {
    await waitFor(() => placed('live').length === live.length, 10_000);
    assert.ok(placed('live').equals(live));
    release();
    await waitFor(() => pair.orchestrator.received.find((m) => m.taskId === 'live' && m.event?.$case === 'completed'), 10_000);
  });

  it('sends no message larger than 64 KiB, in one registration', () => {
    const largest = Math.max(...pair.orchestrator.received.map((m) => WorkerMessage.encode(m).finish().length));
    assert.ok(largest <= 64 * 1024, `largest message ${largest} bytes`);
    assert.equal(pair.orchestrator.registrations.length, 1);
  });
});
