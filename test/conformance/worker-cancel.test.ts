// Conformance, worker side: cancel and its replies, checked on the real bin/worker by an
// orchestrator scripted in the test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CancelOutcome, TaskState, type WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { eventually, startScriptedOrchestrator, type ScriptedOrchestrator } from './scripted-orchestrator.js';
import { ack, about, assign, cancel, customTask, readTask, startConformanceWorker, type ConformanceWorker } from './conformance-worker.js';

function outcomeOf(message: WorkerMessage | undefined): CancelOutcome | undefined {
  return message?.event?.$case === 'cancelReply' ? message.event.cancelReply.outcome : undefined;
}

describe('conformance: a worker answers every cancel', () => {
  let orchestrator: ScriptedOrchestrator;
  let worker: ConformanceWorker;
  const stream = () => orchestrator.streams.at(-1)!;
  const reply = (taskId: string) => eventually(() => about(orchestrator, taskId, 'cancelReply')[0], 15_000, `a cancel reply for ${taskId}`);

  before(async () => {
    orchestrator = await startScriptedOrchestrator();
    worker = await startConformanceWorker(orchestrator);
    await eventually(() => orchestrator.streams.length > 0, 30_000, 'the worker opened its stream');
  });

  after(async () => {
    await worker?.stop();
    await orchestrator?.close();
  });

  it('[W21] a running task: CANCELLING, then its completed with cause CANCELLED', async () => {
    stream().send(assign('c-running', customTask('sleeper', { seconds: '300' }), 2));
    await eventually(() => about(orchestrator, 'c-running', 'running')[0], 30_000, 'running');
    stream().send(cancel('c-running', 2));
    const r = await reply('c-running');
    assert.equal(outcomeOf(r), CancelOutcome.CANCEL_OUTCOME_CANCELLING);
    assert.equal(r.leaseEpoch, 2);
    const done = await eventually(() => about(orchestrator, 'c-running', 'completed')[0], 30_000, 'completed');
    assert.equal(done.event?.$case === 'completed' && done.event.completed.cause, 'CANCELLED');
    assert.equal(done.event?.$case === 'completed' && done.event.completed.state, TaskState.TASK_STATE_CANCELLED);
    stream().send(ack('c-running', 2));
  });

  it('[W21] a finished task: FINISHED, and nothing else follows', async () => {
    stream().send(assign('c-finished', readTask(worker.workspace)));
    await eventually(() => about(orchestrator, 'c-finished', 'completed')[0], 30_000, 'completed');
    stream().send(cancel('c-finished'));
    assert.equal(outcomeOf(await reply('c-finished')), CancelOutcome.CANCEL_OUTCOME_FINISHED);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(about(orchestrator, 'c-finished', 'completed').length, 1, 'no second result');
    stream().send(ack('c-finished', 1));
  });

  it('[W21] a task it never had: UNKNOWN', async () => {
    stream().send(cancel('c-never', 4));
    const r = await reply('c-never');
    assert.equal(outcomeOf(r), CancelOutcome.CANCEL_OUTCOME_UNKNOWN);
  });

  it('[W22] an assignment that comes after its cancel ends CANCELLED at once, without a container', async () => {
    stream().send(cancel('c-early', 1));
    assert.equal(outcomeOf(await reply('c-early')), CancelOutcome.CANCEL_OUTCOME_UNKNOWN);
    stream().send(assign('c-early', customTask('sleeper', { seconds: '300' }), 1));
    const done = await eventually(() => about(orchestrator, 'c-early', 'completed')[0], 15_000, 'completed');
    assert.equal(done.event?.$case === 'completed' && done.event.completed.state, TaskState.TASK_STATE_CANCELLED);
    assert.equal(done.event?.$case === 'completed' && done.event.completed.cause, 'CANCELLED');
    assert.equal(about(orchestrator, 'c-early', 'running').length, 0, 'no container');
    stream().send(ack('c-early', 1));
  });

  it('[W22] a cancel older than the lease held changes nothing', async () => {
    stream().send(assign('c-stale', readTask(worker.workspace), 5));
    await eventually(() => about(orchestrator, 'c-stale', 'completed')[0], 30_000, 'completed');
    stream().send(cancel('c-stale', 3));
    await reply('c-stale');
    const done = about(orchestrator, 'c-stale', 'completed');
    assert.equal(done.length, 1);
    assert.equal(done[0]!.event?.$case === 'completed' && done[0]!.event.completed.state, TaskState.TASK_STATE_COMPLETED);
    stream().send(ack('c-stale', 5));
  });
});
