// Conformance, worker side: registration, identity, heartbeats and the stream's first rules,
// checked on the real bin/worker by an orchestrator scripted in the test (docs/protocol.md).
import assert from 'node:assert/strict';
import { chown } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { AGENT_TOKEN_HEADER, eventually, startScriptedOrchestrator, TEST_AGENT_ID, TEST_RESUME_TOKEN, type ScriptedOrchestrator } from './scripted-orchestrator.js';
import { about, assign, readTask, startConformanceWorker, type ConformanceWorker } from './conformance-worker.js';

describe('conformance: a worker registers, proves who it is and heartbeats', () => {
  let orchestrator: ScriptedOrchestrator;
  let worker: ConformanceWorker;

  before(async () => {
    orchestrator = await startScriptedOrchestrator();
    orchestrator.registerResponse = { heartbeatIntervalMs: 250 };
    worker = await startConformanceWorker(orchestrator, ['--heartbeat-interval', '5s']);
    await eventually(() => orchestrator.streams.length > 0, 30_000, 'the worker opened its stream');
  });

  after(async () => {
    await worker?.stop();
    await orchestrator?.close();
  });

  it('[W3] Register carries protocol_version 2, its receive limit, its boot id and the tools it serves', () => {
    const { request } = orchestrator.registrations[0]!;
    assert.equal(request.protocolVersion, 2);
    assert.ok(request.maxReceiveMessageBytes > 0, 'advertises its receive limit');
    assert.match(request.bootId, /.{8,}/);
    assert.ok(request.capabilities?.toolTypes.includes('file_read'));
    assert.ok(request.capabilities?.toolTypes.includes('sleeper'), 'its configured tools too');
  });

  it('[W8] the first message of its stream is hello with its agent id', () => {
    const first = orchestrator.streams[0]!.messages[0];
    assert.equal(first?.event?.$case, 'hello');
    assert.equal(first?.event?.$case === 'hello' && first.event.hello.agentId, TEST_AGENT_ID);
    assert.equal(first?.taskId, '');
  });

  it('[W2] it sends its resume token on Heartbeat and TaskStream', async () => {
    await eventually(() => orchestrator.heartbeats.length >= 2, 10_000, 'two heartbeats');
    assert.equal(orchestrator.streams[0]!.token, TEST_RESUME_TOKEN, `${AGENT_TOKEN_HEADER} on TaskStream`);
    for (const beat of orchestrator.heartbeats) assert.equal(beat.token, TEST_RESUME_TOKEN, `${AGENT_TOKEN_HEADER} on Heartbeat`);
    assert.equal(orchestrator.heartbeats[0]!.request.agentId, TEST_AGENT_ID);
  });

  it('[W4] it heartbeats at the interval the orchestrator gives when that is shorter than its own', async () => {
    const from = orchestrator.heartbeats.length;
    await eventually(() => orchestrator.heartbeats.length >= from + 6, 10_000, 'six more heartbeats');
    const times = orchestrator.heartbeats.slice(from).map((b) => b.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Its own setting is 5 s; the orchestrator's 250 ms. Generous bounds: this checks which
    // interval it follows, not the timer's precision.
    assert.ok(Math.max(...gaps) < 2_000, `gaps ${gaps.join(', ')} ms`);
  });

  it('[W4] each heartbeat lists the leases it holds, with their epochs', async () => {
    orchestrator.streams[0]!.send(assign('lease-listed', readTask(worker.workspace), 3));
    await eventually(() => about(orchestrator, 'lease-listed', 'completed')[0], 30_000, 'the task completed');
    const completedAt = Date.now();
    const beat = await eventually(() => orchestrator.heartbeats.find((b) => b.at > completedAt), 5_000, 'a heartbeat sent after the result');
    assert.deepEqual(beat.request.leases, [{ taskId: 'lease-listed', leaseEpoch: 3 }], 'finished but not acknowledged: still listed');
    assert.deepEqual(beat.request.activeTaskIds, [], 'active_task_ids: queued or running only');
  });

  it('[W5] HeartbeatResponse.known = false makes it register again with its agent id and token', async () => {
    const before = orchestrator.registrations.length;
    orchestrator.heartbeatResponse = () => ({ known: false, revoked: [] });
    const again = await eventually(() => orchestrator.registrations[before], 10_000, 'a new registration');
    orchestrator.heartbeatResponse = () => ({ known: true, revoked: [] });
    assert.equal(again.request.agentId, TEST_AGENT_ID);
    assert.equal(again.request.resumeToken, TEST_RESUME_TOKEN);
    assert.equal(again.request.bootId, orchestrator.registrations[0]!.request.bootId, 'the same process');
  });
});

describe('conformance: a worker trusts only the socket owners it should', () => {
  it('[W1] it does not register over a Unix socket owned by a uid it does not trust', async () => {
    const orchestrator = await startScriptedOrchestrator();
    await chown(orchestrator.socketPath, 4321, 4321);
    const worker = await startConformanceWorker(orchestrator, ['--reconnect-max-attempts', '2']);
    try {
      const exited = await worker.proc.exited;
      assert.equal(orchestrator.registrations.length, 0, 'no Register reached the orchestrator');
      assert.notEqual(exited.code, 0);
      assert.match(exited.stderr + exited.stdout, /4321/, 'it says whose socket it refused');
    } finally {
      await worker.stop();
      await orchestrator.close();
    }
  });
});
