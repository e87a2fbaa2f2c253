// Conformance, worker side: leases that change under a run (#13 §2), checked on the real
// bin/worker (and real containers) by an orchestrator scripted in the test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startScriptedOrchestrator, type ScriptedOrchestrator } from './scripted-orchestrator.js';
import { ack, about, assign, customTask, startConformanceWorker, type ConformanceWorker } from './conformance-worker.js';

describe('conformance: a worker follows what the orchestrator says of its leases', () => {
  let orchestrator: ScriptedOrchestrator;
  let worker: ConformanceWorker;
  const stream = () => orchestrator.streams.at(-1)!;
  const beatAfter = (at: number) => eventually(() => orchestrator.heartbeats.find((b) => b.at > at), 10_000, 'a heartbeat');
  const leasesOf = (taskId: string, beat: { request: { leases: Array<{ taskId: string; leaseEpoch: number }> } }) =>
    beat.request.leases.filter((l) => l.taskId === taskId).map((l) => l.leaseEpoch);

  before(async () => {
    orchestrator = await startScriptedOrchestrator();
    worker = await startConformanceWorker(orchestrator);
    await eventually(() => orchestrator.streams.length > 0, 30_000, 'the worker opened its stream');
  });

  after(async () => {
    await worker?.stop();
    await orchestrator?.close();
  });

  it('[W12] a run assigned again under a higher epoch goes on under it: one container, its result and lease under the new epoch', async () => {
    stream().send(assign('t-adopt', customTask('ticker', { n: '15' })));
    await eventually(() => about(orchestrator, 't-adopt', 'output')[0], 30_000, 'its first output');
    stream().send(assign('t-adopt', customTask('ticker', { n: '15' }), 2, 2));
    await eventually(() => about(orchestrator, 't-adopt', 'accepted').find((m) => m.leaseEpoch === 2), 10_000, 'accepted under epoch 2');
    const beat = await beatAfter(Date.now());
    assert.deepEqual(leasesOf('t-adopt', beat), [2], 'only the new epoch is leased');
    const done = await eventually(() => about(orchestrator, 't-adopt', 'completed')[0], 30_000, 't-adopt completed');
    assert.equal(done.leaseEpoch, 2);
    assert.equal(done.event?.$case === 'completed' && done.event.completed.attempt, 2);
    const containers = new Set(about(orchestrator, 't-adopt', 'running').map((m) => (m.event?.$case === 'running' ? m.event.running.containerId : '')));
    assert.equal(containers.size, 1, 'one container');
    stream().send(ack('t-adopt', 2));
  });
});
