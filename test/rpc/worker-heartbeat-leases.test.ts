// #12 [W4]: every heartbeat lists the leases the worker holds (queued, running, or finished with
// a result not yet acknowledged), and active_task_ids repeats their task ids (the proto: "the
// task ids of leases"). Before, active_task_ids named only the tasks queued or running, so a
// finished task waiting for its ack was missing from ListWorkers. The orchestrator is scripted
// in the test (harness.ts): it acknowledges nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Task } from '../../pkg/gen/agent/v1/agent.js';
import { makeOutcome } from '../../pkg/worker/run-outcome.js';
import { scriptedExecutor, startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

describe('heartbeats of a worker holding a finished, unacknowledged result', () => {
  let pair: ScriptedPair;

  before(async () => {
    pair = await startScriptedPair({
      orchestrator: {
        register: () => ({ outputOffsets: true, protocolVersion: 2, heartbeatIntervalMs: 200 }),
        onStream: (stream) => stream.send({ taskId: 'done', command: { $case: 'assign', assign: { task: Task.fromPartial({ toolType: 'file_read' }), leaseEpoch: 3, attempt: 1 } } }),
      },
      executor: scriptedExecutor(async () => makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 })),
    });
  });

  after(() => pair?.close());

  it('list its lease, and its task id in active_task_ids', async () => {
    await waitFor(() => pair.orchestrator.received.find((m) => m.taskId === 'done' && m.event?.$case === 'completed'), 10_000);
    const from = pair.orchestrator.heartbeats.length;
    const beat = await waitFor(() => pair.orchestrator.heartbeats[from], 5_000);
    assert.deepEqual(beat.leases, [{ taskId: 'done', leaseEpoch: 3 }]);
    assert.deepEqual(beat.activeTaskIds, ['done']);
  });
});
