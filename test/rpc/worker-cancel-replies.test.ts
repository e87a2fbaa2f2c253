// #12 §1: the worker answers every cancel (CancelReply), and remembers a cancel that came before
// its assignment. Before, a cancel of a task the worker did not have, or had finished, got no
// answer, and an assignment that came after its cancel ran. The orchestrator here is scripted in
// the test (harness.ts): it speaks protocol version 2 and acknowledges nothing unless told.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CancelOutcome, Task, TaskState, type OrchestratorMessage, type WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { makeOutcome } from '../../pkg/worker/run-outcome.js';
import { scriptedExecutor, startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

const { CANCEL_OUTCOME_CANCELLING: CANCELLING, CANCEL_OUTCOME_FINISHED: FINISHED, CANCEL_OUTCOME_UNKNOWN: UNKNOWN } = CancelOutcome;

const assign = (taskId: string, leaseEpoch = 1): OrchestratorMessage => ({
  taskId,
  command: { $case: 'assign', assign: { task: Task.fromPartial({ toolType: 'file_read' }), leaseEpoch, attempt: 1 } },
});
const cancel = (taskId: string, leaseEpoch: number): OrchestratorMessage => ({ taskId, command: { $case: 'cancel', cancel: { force: false, reason: 'test', leaseEpoch } } });

describe('cancel replies (one task at a time; tasks named slow-* run until cancelled, the others end at once)', () => {
  let pair: ScriptedPair;
  const executor = scriptedExecutor(async ({ taskId, signal }) => {
    if (taskId.startsWith('slow-')) {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return makeOutcome('CANCELLED', { durationMs: 1, runtime: 'runc', error: { code: 'CANCELLED', message: 'cancelled' } });
    }
    return makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
  });
  const send = (message: OrchestratorMessage): void => pair.orchestrator.streams.at(-1)!.send(message);
  const about = (taskId: string, event: NonNullable<WorkerMessage['event']>['$case']): WorkerMessage[] =>
    pair.orchestrator.received.filter((m) => m.taskId === taskId && m.event?.$case === event);
  const reply = async (taskId: string, nth = 0): Promise<{ outcome: CancelOutcome; leaseEpoch: number }> => {
    const message = await waitFor(() => about(taskId, 'cancelReply')[nth], 5_000);
    return { outcome: message.event?.$case === 'cancelReply' ? message.event.cancelReply.outcome : CancelOutcome.CANCEL_OUTCOME_UNSPECIFIED, leaseEpoch: message.leaseEpoch };
  };
  const completed = async (taskId: string, nth = 0) => {
    const message = await waitFor(() => about(taskId, 'completed')[nth], 5_000);
    assert.equal(message.event?.$case, 'completed');
    return message.event?.$case === 'completed' ? { ...message.event.completed, leaseEpoch: message.leaseEpoch } : undefined;
  };

  before(async () => {
    pair = await startScriptedPair({
      orchestrator: { register: () => ({ outputOffsets: true, protocolVersion: 2 }) },
      executor,
      argv: ['--max-concurrent-tasks', '1'],
    });
    await waitFor(() => pair.orchestrator.streams.length > 0, 10_000);
  });

  after(() => pair?.close());

  it('queued or running: CANCELLING, then its result CANCELLED', async () => {
    send(assign('slow-running'));
    await waitFor(() => executor.ran.includes('slow-running'), 5_000);
    send(assign('slow-queued'));
    await waitFor(() => about('slow-queued', 'accepted')[0], 5_000);
    send(cancel('slow-queued', 1));
    assert.deepEqual(await reply('slow-queued'), { outcome: CANCELLING, leaseEpoch: 1 });
    assert.equal((await completed('slow-queued'))?.state, TaskState.TASK_STATE_CANCELLED);
    send(cancel('slow-running', 0));
    assert.deepEqual(await reply('slow-running'), { outcome: CANCELLING, leaseEpoch: 1 });
    assert.equal((await completed('slow-running'))?.cause, 'CANCELLED');
    assert.equal(executor.ran.includes('slow-queued'), false, 'the queued one never ran');
  });

  it('finished, its result not acknowledged: FINISHED, and nothing else', async () => {
    send(assign('quick', 2));
    await completed('quick');
    send(cancel('quick', 2));
    assert.deepEqual(await reply('quick'), { outcome: FINISHED, leaseEpoch: 2 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(about('quick', 'completed').length, 1);
  });

  it('unknown: UNKNOWN; an assignment of that lease or an older one that comes later ends CANCELLED without running, a newer one runs', async () => {
    send(cancel('early', 3));
    assert.deepEqual(await reply('early'), { outcome: UNKNOWN, leaseEpoch: 3 });
    send(assign('early', 3));
    const done = await completed('early');
    assert.equal(done?.state, TaskState.TASK_STATE_CANCELLED);
    assert.equal(done?.cause, 'CANCELLED');
    assert.equal(done?.profile, '', 'no container');
    assert.equal(about('early', 'accepted').length, 0);
    assert.equal(executor.ran.includes('early'), false);

    send(cancel('early-any', 0));
    assert.deepEqual(await reply('early-any'), { outcome: UNKNOWN, leaseEpoch: 0 });
    send(assign('early-any', 7));
    assert.equal((await completed('early-any'))?.cause, 'CANCELLED');

    send(cancel('early-newer', 1));
    await reply('early-newer');
    send(assign('early-newer', 2));
    assert.equal((await completed('early-newer'))?.cause, 'COMPLETED', 'a newer lease than the cancel saw runs');
  });

  it('a cancel older than the lease held changes nothing; a newer one stops it', async () => {
    send(assign('slow-stale', 5));
    await waitFor(() => executor.ran.includes('slow-stale'), 5_000);
    send(cancel('slow-stale', 4));
    assert.deepEqual(await reply('slow-stale'), { outcome: UNKNOWN, leaseEpoch: 4 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(about('slow-stale', 'completed').length, 0, 'still running');
    send(cancel('slow-stale', 6));
    assert.deepEqual(await reply('slow-stale', 1), { outcome: CANCELLING, leaseEpoch: 5 });
    assert.equal((await completed('slow-stale'))?.leaseEpoch, 5);

    send(cancel('quick', 1)); // finished at epoch 2 above
    assert.deepEqual(await reply('quick', 1), { outcome: FINISHED, leaseEpoch: 2 });
  });

  it('the same assignment again after its result: not run a second time', async () => {
    send(assign('quick', 2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(executor.ran.filter((id) => id === 'quick').length, 1);
    assert.equal(about('quick', 'accepted').length, 1);
  });
});
