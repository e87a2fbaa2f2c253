// #13 §3: finished means durable. A worker killed -9 right after its `completed` went out (not
// acknowledged) resends that result after a restart on the same work dir, instead of the task
// running again. Before, a result under --result-memory lived only in memory and was lost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startScriptedOrchestrator, type ScriptedOrchestrator } from './scripted-orchestrator.js';
import { ack, about, assign, HELLO_TEXT, readTask, startConformanceWorker, stdoutOf, type ConformanceWorker } from './conformance-worker.js';

describe('conformance: a finished result survives the worker killed -9', () => {
  let orchestrator: ScriptedOrchestrator;
  let worker: ConformanceWorker | undefined;

  before(async () => {
    orchestrator = await startScriptedOrchestrator();
  });

  after(async () => {
    await worker?.stop();
    await orchestrator?.close();
  });

  it('[W16] a result reported and not acknowledged is resent by the next start of the worker, not run again', async () => {
    worker = await startConformanceWorker(orchestrator);
    await eventually(() => orchestrator.streams.length > 0, 30_000, 'the worker opened its stream');
    const first = worker;
    let killedAt = 0;
    orchestrator.onMessage = (message) => {
      if (message.taskId !== 't-durable' || message.event?.$case !== 'completed' || killedAt) return;
      killedAt = Date.now();
      first.proc.child.kill('SIGKILL');
    };
    orchestrator.streams.at(-1)!.send(assign('t-durable', readTask(first.workspace), 3, 2));
    await eventually(() => killedAt > 0, 30_000, 'its completed, then SIGKILL');
    await first.proc.exited;
    orchestrator.onMessage = () => undefined;
    const streams = orchestrator.streams.length;
    const runningBefore = about(orchestrator, 't-durable', 'running').length;
    worker = await startConformanceWorker(orchestrator);
    await eventually(() => orchestrator.streams.length > streams, 30_000, 'the restarted worker opened its stream');
    const resent = await eventually(
      () => orchestrator.streams.slice(streams).flatMap((s) => s.messages).find((m) => m.taskId === 't-durable' && m.event?.$case === 'completed'),
      30_000,
      'the result resent after the restart',
    );
    assert.equal(resent.leaseEpoch, 3);
    assert.equal(resent.event?.$case === 'completed' && resent.event.completed.attempt, 2);
    assert.equal(about(orchestrator, 't-durable', 'running').length, runningBefore, 'not run again');
    const again = orchestrator.streams.slice(streams).flatMap((s) => s.messages).filter((m) => m.taskId === 't-durable');
    assert.equal(stdoutOf(again).toString(), HELLO_TEXT, 'its output with it');
    orchestrator.streams.at(-1)!.send(ack('t-durable', 3));
  });
});
