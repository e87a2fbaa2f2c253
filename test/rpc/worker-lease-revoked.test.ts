// #13 §2: a lease the orchestrator says is gone (HeartbeatResponse.revoked) is stopped at once:
// the run is killed, nothing more is sent for it (no result), and a result already waiting for
// its ack is dropped. Before, the worker ignored `revoked` and went on heartbeating the lease.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Task, type Lease, type OrchestratorMessage, type WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { makeOutcome } from '../../pkg/worker/run-outcome.js';
import { scriptedExecutor, startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

const assign = (taskId: string, leaseEpoch = 1): OrchestratorMessage => ({
  taskId,
  command: { $case: 'assign', assign: { task: Task.fromPartial({ toolType: 'file_read' }), leaseEpoch, attempt: 1 } },
});

describe('leases the orchestrator revokes', () => {
  let pair: ScriptedPair;
  const revoked: Lease[] = [];
  const stopped = new Set<string>();
  const executor = scriptedExecutor(async ({ taskId, signal }) => {
    if (taskId.startsWith('slow-')) {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      stopped.add(taskId);
      return makeOutcome('CANCELLED', { durationMs: 1, runtime: 'runc', error: { code: 'CANCELLED', message: 'cancelled' } });
    }
    return makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
  });
  const send = (message: OrchestratorMessage): void => pair.orchestrator.streams.at(-1)!.send(message);
  const about = (taskId: string, event?: NonNullable<WorkerMessage['event']>['$case']): WorkerMessage[] =>
    pair.orchestrator.received.filter((m) => m.taskId === taskId && (event === undefined || m.event?.$case === event));
  const leased = (taskId: string): boolean => pair.orchestrator.heartbeats.at(-1)?.leases.some((l) => l.taskId === taskId) ?? false;
  const notLeasedAfter = async (taskId: string): Promise<void> => {
    const from = pair.orchestrator.heartbeats.length;
    await waitFor(() => pair.orchestrator.heartbeats.length > from + 1 && !leased(taskId), 5_000);
  };

  before(async () => {
    pair = await startScriptedPair({
      orchestrator: {
        register: () => ({ outputOffsets: true, protocolVersion: 2, heartbeatIntervalMs: 100 }),
        heartbeat: (request) => ({ revoked: request.leases.filter((l) => revoked.some((r) => r.taskId === l.taskId && r.leaseEpoch === l.leaseEpoch)) }),
      },
      executor,
      argv: ['--heartbeat-interval', '100ms'],
    });
    await waitFor(() => pair.orchestrator.streams.length > 0, 10_000);
  });

  after(() => pair?.close());

  it('a running task whose lease is revoked is stopped at once and sends no result', async () => {
    send(assign('slow-revoked'));
    await waitFor(() => executor.ran.includes('slow-revoked') && leased('slow-revoked'), 5_000);
    revoked.push({ taskId: 'slow-revoked', leaseEpoch: 1 });
    await waitFor(() => stopped.has('slow-revoked'), 3_000);
    await notLeasedAfter('slow-revoked');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(about('slow-revoked', 'completed'), [], 'no result');
  });

  it('a result waiting for its ack whose lease is revoked is dropped: not leased, not resent', async () => {
    send(assign('done-revoked'));
    await waitFor(() => about('done-revoked', 'completed')[0], 5_000);
    revoked.push({ taskId: 'done-revoked', leaseEpoch: 1 });
    await notLeasedAfter('done-revoked');
    const streams = pair.orchestrator.streams.length;
    pair.orchestrator.streams.at(-1)!.fail('a reconnect');
    await waitFor(() => pair.orchestrator.streams.length > streams, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(about('done-revoked', 'completed').length, 1, 'not resent');
    assert.equal(pair.agent.unacknowledgedResults, 0);
  });
});
