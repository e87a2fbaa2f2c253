// Conformance, worker side: message size limits and the delivery of results that do not fit,
// checked on the real bin/worker by orchestrators scripted in the test, whose receive limit is
// enforced by gRPC as a real one's is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { eventually, startScriptedOrchestrator, type ScriptedOrchestrator } from './scripted-orchestrator.js';
import { ack, about, assign, customTask, startConformanceWorker, type ConformanceWorker } from './conformance-worker.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const sizeOf = (m: WorkerMessage) => WorkerMessage.encode(m).finish().length;

describe('conformance: a worker never sends more than the orchestrator accepts', () => {
  let orchestrator: ScriptedOrchestrator;
  let worker: ConformanceWorker;
  const stream = () => orchestrator.streams.at(-1)!;
  const LIMIT = 256 * KiB;

  before(async () => {
    orchestrator = await startScriptedOrchestrator({ maxReceiveMessageBytes: LIMIT });
    orchestrator.registerResponse = { maxReceiveMessageBytes: LIMIT };
    worker = await startConformanceWorker(orchestrator, ['--output-cap', String(16 * MiB)]);
    await eventually(() => orchestrator.streams.length > 0, 30_000, 'the worker opened its stream');
  });

  after(async () => {
    await worker?.stop();
    await orchestrator?.close();
  });

  it('[W23] live output and a resent result come in messages under the advertised limit', async () => {
    stream().send(assign('l-big', customTask('spew', { bytes: String(3 * MiB) })));
    await eventually(() => about(orchestrator, 'l-big', 'completed')[0], 60_000, 'completed');
    const first = stream();
    first.fail();
    await eventually(() => orchestrator.streams.length > first.index + 1 && stream().messages.some((m) => m.taskId === 'l-big' && m.event?.$case === 'completed'), 60_000, 'resent');
    const all = about(orchestrator, 'l-big');
    assert.equal(all.filter((m) => m.event?.$case === 'output').reduce((n, m) => n + (m.event?.$case === 'output' ? m.event.output.data.length : 0), 0), 6 * MiB, 'the output, live and again');
    for (const m of all) assert.ok(sizeOf(m) <= LIMIT, `${m.event?.$case} of ${sizeOf(m)} bytes`);
    assert.equal(orchestrator.registrations.length, 2, 'one reconnect, no stream died on a message too large');
    stream().send(ack('l-big', 1));
  });
});

describe('conformance: results for an orchestrator without output offsets', () => {
  let orchestrator: ScriptedOrchestrator;
  let worker: ConformanceWorker;
  const stream = () => orchestrator.streams.at(-1)!;

  before(async () => {
    // A third party's orchestrator: gRPC's usual 4 MiB, no offsets, no limit advertised.
    orchestrator = await startScriptedOrchestrator({ maxReceiveMessageBytes: 4 * MiB });
    orchestrator.registerResponse = { outputOffsets: false, maxReceiveMessageBytes: 0, protocolVersion: 0 };
    worker = await startConformanceWorker(orchestrator, ['--output-cap', String(16 * MiB)]);
    await eventually(() => orchestrator.streams.length > 0, 30_000, 'the worker opened its stream');
  });

  after(async () => {
    await worker?.stop();
    await orchestrator?.close();
  });

  it('[W18] [W19] a whole result larger than 4 MiB is resent cut to fit and marked truncated, once, and the results behind it arrive', async () => {
    stream().send(assign('n-big', customTask('spew', { bytes: String(5 * MiB) })));
    stream().send(assign('n-small', customTask('spew', { bytes: '10' })));
    await eventually(() => about(orchestrator, 'n-big', 'completed')[0] && about(orchestrator, 'n-small', 'completed')[0], 60_000, 'both completed');
    const first = stream();
    const registrations = orchestrator.registrations.length;
    first.fail();
    const resent = await eventually(() => orchestrator.streams.length > first.index + 1 && stream().messages.find((m) => m.taskId === 'n-big' && m.event?.$case === 'completed'), 60_000, 'the big result resent');
    await eventually(() => stream().messages.find((m) => m.taskId === 'n-small' && m.event?.$case === 'completed'), 30_000, 'the small result resent');
    const result = resent.event?.$case === 'completed' ? resent.event.completed : undefined;
    assert.equal(result?.outputIncluded, true, 'whole: this orchestrator cannot place chunks');
    assert.equal(result?.stdoutTruncated, true);
    assert.ok((result?.stdout.length ?? 0) > 3 * MiB && sizeOf(resent) <= 4 * MiB, `${sizeOf(resent)} bytes`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal(orchestrator.registrations.length, registrations + 1, 'one registration: no livelock');
    stream().send(ack('n-big', 1));
    stream().send(ack('n-small', 1));
  });
});
