// Conformance, worker side: leases that change under a run (#13 §2), checked on the real
// bin/worker (and real containers) by an orchestrator scripted in the test.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Lease } from '../../pkg/gen/agent/v1/agent.js';
import { managedContainers } from '../support/docker-fixtures.js';
import { eventually, startScriptedOrchestrator, type ScriptedOrchestrator } from './scripted-orchestrator.js';
import { ack, about, assign, customTask, startConformanceWorker, type ConformanceWorker } from './conformance-worker.js';

describe('conformance: a worker follows what the orchestrator says of its leases', () => {
  let orchestrator: ScriptedOrchestrator;
  let worker: ConformanceWorker;
  const revoked: Lease[] = [];
  const stream = () => orchestrator.streams.at(-1)!;
  const beatAfter = (at: number) => eventually(() => orchestrator.heartbeats.find((b) => b.at > at), 10_000, 'a heartbeat');
  const leasesOf = (taskId: string, beat: { request: { leases: Array<{ taskId: string; leaseEpoch: number }> } }) =>
    beat.request.leases.filter((l) => l.taskId === taskId).map((l) => l.leaseEpoch);

  before(async () => {
    orchestrator = await startScriptedOrchestrator();
    orchestrator.heartbeatResponse = (request) => ({
      known: true,
      revoked: request.leases.filter((l) => revoked.some((r) => r.taskId === l.taskId && r.leaseEpoch === l.leaseEpoch)),
    });
    worker = await startConformanceWorker(orchestrator, ['--task-records', 'on']);
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
    const record = await eventually(() => readRecord('t-adopt'), 10_000, 'its record');
    assert.deepEqual([record.leaseEpoch, record.attempt], [2, 2], 'its record says the lease it ended under');
    stream().send(ack('t-adopt', 2));
  });

  it('[W24] a running task whose lease is revoked is killed at once and sends nothing more: no completed, its record says LEASE_LOST', async () => {
    stream().send(assign('t-revoked', customTask('sleeper', { seconds: '120' })));
    await eventually(() => about(orchestrator, 't-revoked', 'running')[0], 30_000, 'its container runs');
    assert.equal((await managedContainers('t-revoked')).length, 1);
    const at = Date.now();
    revoked.push({ taskId: 't-revoked', leaseEpoch: 1 });
    for (let gone = false; !gone; ) {
      gone = (await managedContainers('t-revoked')).length === 0;
      assert.ok(gone || Date.now() - at < 10_000, 'the container is gone within seconds');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const beat = await beatAfter(Date.now());
    assert.deepEqual(leasesOf('t-revoked', beat), [], 'no longer leased');
    const record = await eventually(() => readRecord('t-revoked'), 10_000, 'its record');
    assert.equal(record.cause, 'LEASE_LOST');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(about(orchestrator, 't-revoked', 'completed'), [], 'no completed');
  });

  type Record = { cause: string; leaseEpoch: number; attempt: number };
  const records = new Map<string, Record>();
  function readRecord(taskId: string): Record | undefined {
    void readFile(join(orchestrator.dir, 'work', `task_${taskId}`, 'result.json'), 'utf8')
      .then((text) => records.set(taskId, JSON.parse(text) as Record))
      .catch(() => undefined);
    return records.get(taskId);
  }
});
