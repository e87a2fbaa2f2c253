// Conformance, worker side: assignments, output, results, acknowledgements and resends, checked
// on the real bin/worker (and real containers) by an orchestrator scripted in the test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Task, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { eventually, startScriptedOrchestrator, type ScriptedOrchestrator } from './scripted-orchestrator.js';
import { ack, about, assign, customTask, HELLO_TEXT, readTask, startConformanceWorker, stdoutOf, type ConformanceWorker } from './conformance-worker.js';

describe('conformance: a worker runs assignments and delivers their results', () => {
  let orchestrator: ScriptedOrchestrator;
  let worker: ConformanceWorker;
  const stream = () => orchestrator.streams.at(-1)!;
  const completed = (taskId: string) => eventually(() => about(orchestrator, taskId, 'completed')[0], 30_000, `${taskId} completed`);

  before(async () => {
    orchestrator = await startScriptedOrchestrator();
    worker = await startConformanceWorker(orchestrator);
    await eventually(() => orchestrator.streams.length > 0, 30_000, 'the worker opened its stream');
  });

  after(async () => {
    await worker?.stop();
    await orchestrator?.close();
  });

  it('[W11] answers an assignment with accepted, running, its output and one completed, in that order', async () => {
    stream().send(assign('t-read', readTask(worker.workspace), 1));
    const done = await completed('t-read');
    const kinds = about(orchestrator, 't-read').map((m) => m.event?.$case);
    assert.equal(kinds[0], 'accepted');
    assert.equal(kinds[1], 'running');
    assert.equal(kinds.at(-1), 'completed');
    assert.equal(kinds.filter((k) => k === 'completed').length, 1);
    assert.equal(done.event?.$case === 'completed' && done.event.completed.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(stdoutOf(about(orchestrator, 't-read')).toString(), HELLO_TEXT);
    stream().send(ack('t-read', 1));
  });

  it('[W9] every message but hello carries the task id and the epoch of its assignment', async () => {
    stream().send(assign('t-epoch', readTask(worker.workspace), 7, 2));
    await completed('t-epoch');
    const messages = about(orchestrator, 't-epoch');
    assert.ok(messages.length >= 4);
    for (const m of messages) assert.equal(m.leaseEpoch, 7, `${m.event?.$case} carries epoch 7`);
    stream().send(ack('t-epoch', 7));
  });

  it('[W14] every output chunk carries its offset in its stream', async () => {
    stream().send(assign('t-ticks', customTask('ticker', { n: '5' })));
    await completed('t-ticks');
    const chunks = about(orchestrator, 't-ticks', 'output');
    assert.ok(chunks.length >= 2, 'the ticks came as several chunks');
    let next = 0;
    for (const m of chunks) {
      if (m.event?.$case !== 'output') continue;
      assert.equal(m.event.output.offset, next, 'each chunk starts where the one before ended');
      next += m.event.output.data.length;
    }
    assert.equal(stdoutOf(chunks).toString(), [0, 1, 2, 3, 4].map((i) => `tick ${i}\n`).join(''));
    stream().send(ack('t-ticks', 1));
  });

  it('[W10] drops an assignment without a usable task id and goes on serving the stream', async () => {
    const before = orchestrator.received.length;
    stream().send(assign('', readTask(worker.workspace)));
    stream().send(assign('bad\u0007id', readTask(worker.workspace)));
    stream().send(assign('t-after-bad', readTask(worker.workspace)));
    await completed('t-after-bad');
    const others = orchestrator.received.slice(before).filter((r) => r.message.taskId !== 't-after-bad');
    assert.deepEqual(others.map((r) => [r.message.taskId, r.message.event?.$case]), [], 'nothing about the bad ones');
    stream().send(ack('t-after-bad', 1));
  });

  it('[W12] the same assignment again (same task id and epoch) does not run a second time; a higher epoch after completion does', async () => {
    stream().send(assign('t-twice', customTask('ticker', { n: '5' })));
    await eventually(() => about(orchestrator, 't-twice', 'running')[0], 30_000, 'running');
    stream().send(assign('t-twice', customTask('ticker', { n: '5' })));
    await completed('t-twice');
    stream().send(assign('t-twice', customTask('ticker', { n: '5' })));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(about(orchestrator, 't-twice', 'running').length, 1, 'one container');
    assert.equal(about(orchestrator, 't-twice', 'accepted').length, 1);
    stream().send(ack('t-twice', 1));
    // A higher epoch after completion is a new lease: a new run, reported under it.
    stream().send(assign('t-twice', customTask('ticker', { n: '1' }), 2, 2));
    const again = await eventually(() => about(orchestrator, 't-twice', 'completed').find((m) => m.leaseEpoch === 2), 30_000, 'the run of epoch 2');
    assert.equal(again.event?.$case === 'completed' && again.event.completed.attempt, 2);
    assert.equal(about(orchestrator, 't-twice', 'running').length, 2);
    stream().send(ack('t-twice', 2));
  });

  it('[W13] refuses a missing required parameter and a session before any container', async () => {
    stream().send(assign('t-noparam', Task.fromPartial({ toolType: 'file_read', mountSource: worker.workspace, params: { $case: 'fileRead', fileRead: { path: '' } } })));
    stream().send(assign('t-session', { ...readTask(worker.workspace), sessionId: 'session-1' }));
    for (const [taskId, code] of [['t-noparam', 'INVALID_PARAMS'], ['t-session', 'SESSION_UNSUPPORTED']] as const) {
      const done = await completed(taskId);
      assert.equal(done.event?.$case === 'completed' && done.event.completed.cause, code, taskId);
      assert.equal(done.event?.$case === 'completed' && done.event.completed.state, TaskState.TASK_STATE_FAILED);
      assert.equal(about(orchestrator, taskId, 'running').length, 0, `${taskId}: no container`);
      stream().send(ack(taskId, 1));
    }
  });

  it('[W16] [W17] resends what was not acknowledged after a reconnect, as chunks with offsets and a completed without output; never what was', async () => {
    stream().send(assign('t-acked', readTask(worker.workspace)));
    stream().send(assign('t-unacked', readTask(worker.workspace)));
    await completed('t-acked');
    await completed('t-unacked');
    stream().send(ack('t-acked', 1));
    await eventually(() => orchestrator.heartbeats.slice(-1).find((b) => !b.request.leases.some((l) => l.taskId === 't-acked')), 10_000, 'the acked lease is gone');
    const old = stream();
    old.fail();
    await eventually(() => orchestrator.streams.length > old.index + 1 && stream().messages.some((m) => m.taskId === 't-unacked' && m.event?.$case === 'completed'), 30_000, 'the unacked result resent on the new stream');
    const resent = stream().messages.filter((m) => m.taskId === 't-unacked');
    const last = resent.at(-1)!;
    assert.equal(last.event?.$case === 'completed' && last.event.completed.outputIncluded, false);
    assert.equal(stdoutOf(resent).toString(), HELLO_TEXT, 'its output again, from offset 0');
    assert.equal(stream().messages.filter((m) => m.taskId === 't-acked').length, 0, 'the acknowledged one is not resent');
    stream().send(ack('t-unacked', 1));
  });

  it('[W15] output produced after a reconnect is sent live on the new stream', async () => {
    stream().send(assign('t-live', customTask('ticker', { n: '40' })));
    await eventually(() => about(orchestrator, 't-live', 'output')[0], 30_000, 'first output');
    const old = stream();
    old.fail();
    await eventually(() => orchestrator.streams.length > old.index + 1, 30_000, 'a new stream');
    // Live: output of the running task arrives on the new stream while it is still running.
    await eventually(() => stream().messages.some((m) => m.taskId === 't-live' && m.event?.$case === 'output'), 5_000, 'output on the new stream');
    assert.equal(stream().messages.some((m) => m.taskId === 't-live' && m.event?.$case === 'completed'), false, 'before it completed');
    await completed('t-live');
    assert.equal(stdoutOf(about(orchestrator, 't-live')).toString().split('\n').length, 41, 'every tick, once');
    stream().send(ack('t-live', 1));
  });
});
