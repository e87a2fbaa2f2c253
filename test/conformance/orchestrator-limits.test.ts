// Conformance, orchestrator side: message size limits, checked on the real bin/orchestrator by
// workers scripted in the test (docs/protocol.md, §8). The scripted workers' own gRPC channels
// take large messages, so that an assignment the orchestrator should not have sent is seen
// arriving rather than as a broken stream.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { completed, follow, running, toolTask, useOrchestrator, within, type WorkerStream } from './scripted-worker.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('conformance: the orchestrator sends a worker nothing larger than it takes', { timeout: 120_000 }, () => {
  // Its own limits (100 MiB by default) are far above the workers': only theirs can refuse.
  const orch = useOrchestrator(['--worker-timeout', '120s']);
  const worker = async (tool: string, maxReceiveMessageBytes: number): Promise<WorkerStream> =>
    (await orch.connected(`limits-${tool}`, [tool], { maxReceiveMessageBytes })).s;

  /** Submits a task of `tool` that fits and checks it reaches the worker next, and completes it. */
  const fitsAndRuns = async (s: WorkerStream, tool: string, values: Record<string, string> = {}): Promise<void> => {
    const run = follow(orch.tasks, toolTask(values, tool));
    const assignment = await s.take('assign');
    assert.equal(assignment.taskId, await within(run.taskId, 'the task id'), 'the next assignment on the stream is this task');
    s.send(completed(assignment.taskId, 1));
    assert.deepEqual((await s.take('ack', assignment.taskId)).command.ack, { leaseEpoch: 1, accepted: true });
    assert.equal((await within(run.result, 'its result')).state, TaskState.TASK_STATE_COMPLETED);
  };

  it('[O15] an assignment larger than the worker\'s max_receive_message_bytes is not sent: the task fails MESSAGE_TOO_LARGE, and the stream and its other tasks go on', async () => {
    const s = await worker('conf_small', 64 * KiB);
    const held = follow(orch.tasks, toolTask({}, 'conf_small'));
    const heldAssignment = await s.take('assign');
    s.send(running(heldAssignment.taskId, 1));

    const big = follow(orch.tasks, toolTask({ blob: 'x'.repeat(200 * KiB) }, 'conf_small'));
    const bigId = await within(big.taskId, 'the big task id');
    const result = await within(big.result, 'the big task failed');
    assert.equal(result.state, TaskState.TASK_STATE_FAILED);
    assert.equal(result.cause, 'MESSAGE_TOO_LARGE');
    assert.equal(result.error?.code, 'MESSAGE_TOO_LARGE');
    assert.equal(result.retryable, false);

    // The stream goes on: the next assignment is a small task submitted after (nothing went before it).
    await fitsAndRuns(s, 'conf_small', { blob: 'y'.repeat(16 * KiB) });
    assert.ok(!s.received.some((m) => m.taskId === bigId), 'nothing about the big task reached the worker');
    // And the task it held all along completes as usual.
    s.send(completed(heldAssignment.taskId, 1));
    assert.deepEqual((await s.take('ack', heldAssignment.taskId)).command.ack, { leaseEpoch: 1, accepted: true });
    assert.equal((await within(held.result, 'the held task\'s result')).state, TaskState.TASK_STATE_COMPLETED);
  });

  it('[O15] a worker that advertises no limit (0) is taken to accept gRPC\'s 4 MiB', async () => {
    const s = await worker('conf_zero', 0);
    const big = follow(orch.tasks, toolTask({ blob: 'x'.repeat(5 * MiB) }, 'conf_zero'));
    const bigId = await within(big.taskId, 'the big task id');
    const result = await within(big.result, 'the 5 MiB task failed');
    assert.deepEqual([result.state, result.cause, result.retryable], [TaskState.TASK_STATE_FAILED, 'MESSAGE_TOO_LARGE', false]);
    await fitsAndRuns(s, 'conf_zero', { blob: 'y'.repeat(3 * MiB) });
    assert.ok(!s.received.some((m) => m.taskId === bigId), 'nothing about the 5 MiB task reached the worker');
  });
});
