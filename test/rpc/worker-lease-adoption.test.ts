// #13 §2: a task assigned again under a newer epoch while it is queued, running, or finished with
// its result not yet acknowledged is adopted: it reports under the new epoch (its later messages,
// its result, its heartbeat leases) and the old epoch is no longer leased. Before, the worker
// logged a warning and went on under the old epoch, whose results the orchestrator refuses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Task, type OrchestratorMessage, type WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { makeOutcome } from '../../pkg/worker/run-outcome.js';
import { ackOf, scriptedExecutor, startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

const assign = (taskId: string, leaseEpoch: number, attempt = leaseEpoch): OrchestratorMessage => ({
  taskId,
  command: { $case: 'assign', assign: { task: Task.fromPartial({ toolType: 'file_read' }), leaseEpoch, attempt } },
});

describe('a task assigned again under a newer epoch adopts it (one task at a time)', () => {
  let pair: ScriptedPair;
  const releases = new Map<string, () => void>();
  const executor = scriptedExecutor(async ({ taskId, progress }) => {
    await progress({ type: 'running', containerId: `c-${taskId}`, runtime: 'runc', profile: '' });
    await progress({ type: 'output', stream: 'stdout', data: Buffer.from('before\n') });
    await new Promise<void>((resolve) => releases.set(taskId, resolve));
    await progress({ type: 'output', stream: 'stdout', data: Buffer.from('after\n') });
    return makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
  });
  const send = (message: OrchestratorMessage): void => pair.orchestrator.streams.at(-1)!.send(message);
  const about = (taskId: string, event?: NonNullable<WorkerMessage['event']>['$case']): WorkerMessage[] =>
    pair.orchestrator.received.filter((m) => m.taskId === taskId && (event === undefined || m.event?.$case === event));
  const beatAfter = (count: number) => waitFor(() => pair.orchestrator.heartbeats.length > count && pair.orchestrator.heartbeats.at(-1)!, 5_000);
  const leasesOf = (taskId: string, beat: { leases: Array<{ taskId: string; leaseEpoch: number }> }) =>
    beat.leases.filter((l) => l.taskId === taskId).map((l) => l.leaseEpoch);

  before(async () => {
    pair = await startScriptedPair({
      orchestrator: { register: () => ({ outputOffsets: true, protocolVersion: 2, heartbeatIntervalMs: 100 }) },
      executor,
      argv: ['--max-concurrent-tasks', '1', '--heartbeat-interval', '100ms'],
    });
    await waitFor(() => pair.orchestrator.streams.length > 0, 10_000);
  });

  after(() => pair?.close());

  it('running and queued runs report under the new epoch, and only it is leased', async () => {
    send(assign('t-run', 1));
    await waitFor(() => releases.has('t-run'), 5_000);
    send(assign('t-queued', 1));
    await waitFor(() => about('t-queued', 'accepted')[0], 5_000);
    send(assign('t-run', 2));
    send(assign('t-queued', 3));
    await waitFor(() => about('t-run', 'accepted').find((m) => m.leaseEpoch === 2), 5_000);
    await waitFor(() => about('t-queued', 'accepted').find((m) => m.leaseEpoch === 3), 5_000);
    const beat = await beatAfter(pair.orchestrator.heartbeats.length);
    assert.deepEqual(leasesOf('t-run', beat), [2]);
    assert.deepEqual(leasesOf('t-queued', beat), [3]);
    const from = about('t-run').length;
    releases.get('t-run')!();
    const done = await waitFor(() => about('t-run', 'completed')[0], 5_000);
    assert.equal(done.leaseEpoch, 2);
    assert.equal(done.event?.$case === 'completed' && done.event.completed.attempt, 2);
    for (const m of about('t-run').slice(from)) assert.equal(m.leaseEpoch, 2, `${m.event?.$case} under epoch 2`);
    // Its output under the new epoch is whole: what came before the adoption went again from offset 0.
    const outputs = about('t-run', 'output').filter((m) => m.leaseEpoch === 2);
    assert.equal(outputs[0]?.event?.$case === 'output' && outputs[0].event.output.offset, 0);
    send(ackOf(done));
    await waitFor(() => releases.has('t-queued'), 5_000);
    releases.get('t-queued')!();
    const queued = await waitFor(() => about('t-queued', 'completed')[0], 5_000);
    assert.equal(queued.leaseEpoch, 3);
    assert.ok(about('t-queued').filter((m) => m.event?.$case !== 'accepted').every((m) => m.leaseEpoch === 3));
    send(ackOf(queued));
    assert.deepEqual(executor.ran.filter((id) => id === 't-run' || id === 't-queued'), ['t-run', 't-queued'], 'each ran once');
  });

  it('a finished result not yet acknowledged is sent again under the new epoch, not run again', async () => {
    send(assign('t-done', 1));
    await waitFor(() => releases.has('t-done'), 5_000);
    releases.get('t-done')!();
    await waitFor(() => about('t-done', 'completed')[0], 5_000);
    send(assign('t-done', 2));
    const again = await waitFor(() => about('t-done', 'completed').find((m) => m.leaseEpoch === 2), 5_000);
    assert.equal(again.event?.$case === 'completed' && again.event.completed.attempt, 2);
    const beat = await beatAfter(pair.orchestrator.heartbeats.length);
    assert.deepEqual(leasesOf('t-done', beat), [2]);
    send(ackOf(again));
    await waitFor(async () => leasesOf('t-done', await beatAfter(pair.orchestrator.heartbeats.length)).length === 0, 5_000);
    assert.equal(executor.ran.filter((id) => id === 't-done').length, 1, 'not run again');
  });
});
