// Conformance, orchestrator side: leases. Epochs and attempts, who may report on a lease, and
// what happens to the leases of a worker that goes silent or unregisters, checked on the real
// bin/orchestrator by workers scripted in the test (docs/protocol.md, §4 and §5.2).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { accepted, completed, eventually, follow, output, retryableFailure, running, toolTask, useOrchestrator, within } from './scripted-worker.js';

describe('conformance: a silent worker loses its leases', { timeout: 60_000 }, () => {
  const orch = useOrchestrator(['--worker-timeout', '1500ms', '--max-attempts', '2']);

  it('[O5] a worker silent past the worker timeout is removed and its lease lost: the task runs again on another worker, then fails WORKER_LOST when no attempt remains', async () => {
    const { w: silent, s: a } = await orch.connected('silent-a', ['conf_o5']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o5'));
    const first = await a.take('assign');
    assert.deepEqual([first.command.assign.leaseEpoch, first.command.assign.attempt], [1, 1]);
    a.send(accepted(first.taskId, 1));
    a.send(running(first.taskId, 1));

    const { w: standby, s: b } = await orch.connected('standby-b', ['conf_o5']);
    standby.startHeartbeats(200);
    const second = await b.take('assign', first.taskId);
    assert.deepEqual([second.command.assign.leaseEpoch, second.command.assign.attempt], [2, 2], 'run again on the other worker');
    const listed = (await orch.tasks.listWorkers({})).workers.map((w) => w.agentId);
    assert.ok(!listed.includes(silent.agentId), 'the silent worker was removed');
    assert.ok(listed.includes(standby.agentId));
    assert.equal(await silent.heartbeat(), false, 'and is no longer known');

    standby.stopHeartbeats();
    const result = await within(run.result, 'the task failed once its last worker went silent');
    assert.equal(result.state, TaskState.TASK_STATE_FAILED);
    assert.equal(result.cause, 'WORKER_LOST');
    assert.equal(result.retryable, true, 'WORKER_LOST is retryable (table of causes)');
    assert.equal(result.attempt, 2);
  });
});

describe('conformance: Unregister loses leases at once', { timeout: 60_000 }, () => {
  // A worker timeout far longer than the waits below: what happens, happens because of Unregister.
  const orch = useOrchestrator(['--worker-timeout', '120s', '--max-attempts', '2']);

  it('[O7] Unregister loses the worker\'s leases at once: the task runs again on another worker, and fails WORKER_LOST when no attempt remains', async () => {
    const { w: leaving, s: a } = await orch.connected('leaving-a', ['conf_o7']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o7'));
    const first = await a.take('assign');
    a.send(running(first.taskId, 1));
    const { w: other, s: b } = await orch.connected('other-b', ['conf_o7']);

    await leaving.unregister('stopping');
    const second = await b.take('assign', first.taskId, 10_000);
    assert.deepEqual([second.command.assign.leaseEpoch, second.command.assign.attempt], [2, 2]);
    await other.unregister('stopping too');
    const result = await within(run.result, 'the task failed once its last worker unregistered', 10_000);
    assert.deepEqual([result.state, result.cause, result.attempt], [TaskState.TASK_STATE_FAILED, 'WORKER_LOST', 2]);
  });
});

describe('conformance: epochs, attempts and the lease holder', { timeout: 60_000 }, () => {
  const orch = useOrchestrator(['--worker-timeout', '120s', '--max-attempts', '3']);

  it('[O9] lease_epoch starts at 1 and grows by one with every assignment of the task; attempt counts the runs', async () => {
    const { s } = await orch.connected('epochs', ['conf_o9']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o9'));
    const taskId = await within(run.taskId, 'the task id');
    for (const n of [1, 2, 3]) {
      const assignment = await s.take('assign', taskId);
      assert.equal(assignment.command.assign.leaseEpoch, n, `assignment ${n}`);
      assert.equal(assignment.command.assign.attempt, n, `run ${n}`);
      assert.equal(assignment.command.assign.task?.toolType, 'conf_o9');
      s.send(accepted(taskId, n));
      s.send(running(taskId, n));
      s.send(retryableFailure(taskId, n));
      assert.deepEqual((await s.take('ack', taskId)).command.ack, { leaseEpoch: n, accepted: true });
    }
    const result = await within(run.result, 'the result after the last attempt');
    assert.deepEqual([result.state, result.cause, result.attempt], [TaskState.TASK_STATE_FAILED, 'CONTAINER_FAILED', 3]);
    assert.equal((await orch.tasks.getTask({ taskId })).attempt, 3);
    const next = follow(orch.tasks, toolTask({}, 'conf_o9'));
    const fresh = await s.take('assign', await within(next.taskId, 'the second task id'));
    assert.deepEqual([fresh.command.assign.leaseEpoch, fresh.command.assign.attempt], [1, 1], 'another task starts at epoch 1');
    s.send(completed(fresh.taskId, 1));
    await within(next.result, 'the second task\'s result');
  });

  it('[O10] another worker\'s running, output and completed about a lease it does not hold are dropped, its completed refused (accepted = false); nothing changes', async () => {
    const { s: h } = await orch.connected('holder', ['conf_o10']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o10'));
    const { taskId } = await h.take('assign');
    const { s: x } = await orch.connected('not-holder', ['conf_o10']);

    x.send(accepted(taskId, 1));
    x.send(running(taskId, 1, 'forged-container'));
    x.send(output(taskId, 1, 'forged output\n', 0));
    x.send(completed(taskId, 1, { stdout: Buffer.from('forged'), exitCode: 0 }));
    assert.deepEqual((await x.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: false });
    const meanwhile = await orch.tasks.getTask({ taskId });
    assert.equal(meanwhile.result, undefined, 'not finished');
    assert.deepEqual([meanwhile.worker, meanwhile.attempt], ['holder', 1]);

    h.send(running(taskId, 1, 'real-container'));
    h.send(output(taskId, 1, 'real output\n', 0));
    h.send(completed(taskId, 1));
    assert.deepEqual((await h.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: true });
    const result = await within(run.result, 'the holder\'s result');
    assert.deepEqual([result.state, result.worker, result.attempt], [TaskState.TASK_STATE_COMPLETED, 'holder', 1]);
    // The result is the last event: whatever the client was sent about the task came before it.
    assert.equal(run.received('stdout'), 'real output\n');
    const runningEvents = run.events.flatMap((e) => (e.event?.$case === 'running' ? [e.event.running.containerId] : []));
    assert.deepEqual(runningEvents, ['real-container']);
    assert.equal((await orch.tasks.getTask({ taskId })).result?.stdout.toString(), 'real output\n');
  });

  it('[O10] a holder no longer in the group the task asked for may not report on it: its completed is refused', async () => {
    const { w, s } = await orch.connected('group-mover', ['conf_grp'], { group: 'blue' });
    follow(orch.tasks, { ...toolTask({}, 'conf_grp'), group: 'blue' });
    const { taskId } = await s.take('assign');
    const moved = await w.register({ agentId: w.agentId, resumeToken: w.token, group: 'green' });
    assert.equal(moved.resumed, true, 'the same worker, now in group green');
    s.send(completed(taskId, 1));
    assert.deepEqual((await s.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: false });
    const view = await orch.tasks.getTask({ taskId });
    assert.deepEqual([view.result, view.attempt], [undefined, 1], 'the task goes on');
  });

  it('[O10][O13] a completed from a worker that never held the lease is refused (accepted = false) after the task finished too', async () => {
    const { s: h } = await orch.connected('holder-2', ['conf_o10b']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o10b'));
    const { taskId } = await h.take('assign');
    h.send(output(taskId, 1, 'stored\n', 0));
    h.send(completed(taskId, 1));
    await h.take('ack', taskId);
    await within(run.result, 'the holder\'s result');

    const { s: x } = await orch.connected('late-intruder', ['conf_o10b']);
    x.send(completed(taskId, 1, { state: TaskState.TASK_STATE_FAILED, cause: 'INTERNAL', exitCode: 9 }));
    assert.deepEqual((await x.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: false }, 'the sender is not its holder');
    const stored = await orch.tasks.getTask({ taskId });
    assert.deepEqual([stored.state, stored.result?.cause, stored.result?.stdout.toString()], [TaskState.TASK_STATE_COMPLETED, 'COMPLETED', 'stored\n']);
  });

  it('[O10][O13] while a task runs again after a retryable result, a resend of that result is accepted from its holder only', async () => {
    const { s: h } = await orch.connected('retry-holder', ['conf_o10c']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o10c'));
    const { taskId } = await h.take('assign');
    h.send(retryableFailure(taskId, 1));
    assert.deepEqual((await h.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: true });
    assert.equal((await h.take('assign', taskId)).command.assign.leaseEpoch, 2);

    const { s: x } = await orch.connected('retry-intruder', ['conf_other_tool']);
    x.send(retryableFailure(taskId, 1));
    assert.deepEqual((await x.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: false }, 'the sender never held it');
    h.send(retryableFailure(taskId, 1));
    assert.deepEqual((await h.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: true }, 'its holder\'s resend');
    const view = await orch.tasks.getTask({ taskId });
    assert.deepEqual([view.result, view.attempt, view.worker], [undefined, 2, 'retry-holder'], 'the second run goes on');
    h.send(completed(taskId, 2));
    assert.deepEqual([(await within(run.result, 'the result')).attempt], [2]);
  });
});

describe('conformance: only the holder renews its lease', { timeout: 60_000 }, () => {
  const orch = useOrchestrator(['--worker-timeout', '1500ms', '--max-attempts', '3']);

  it('[O10][O5] a heartbeat renews only the leases its sender holds: another worker naming a lease renews nothing', async () => {
    // The namer holds a lease of its own (assigned first, so it would run out first) and names
    // both that one and the quiet holder's in every heartbeat.
    const { w: namer, s: n } = await orch.connected('lease-namer', ['conf_hb_own']);
    const named: Array<{ taskId: string; leaseEpoch: number }> = [];
    namer.startHeartbeats(200, () => ({ leases: [...named], activeTaskIds: named.map((l) => l.taskId) }));
    follow(orch.tasks, toolTask({}, 'conf_hb_own'));
    const own = await n.take('assign');
    named.push({ taskId: own.taskId, leaseEpoch: 1 });

    const { w: holder, s: h } = await orch.connected('quiet-holder', ['conf_hb']);
    holder.startHeartbeats(200); // alive, but naming no lease
    follow(orch.tasks, toolTask({}, 'conf_hb'));
    const { taskId } = await h.take('assign');
    named.push({ taskId, leaseEpoch: 1 });

    const again = await eventually(async () => {
      const view = await orch.tasks.getTask({ taskId });
      return view.attempt >= 2 && view;
    }, 'the quiet holder\'s lease was lost and the task runs again');
    assert.equal(again.attempt, 2);
    const kept = await orch.tasks.getTask({ taskId: own.taskId });
    assert.deepEqual([kept.attempt, kept.worker, kept.state], [1, 'lease-namer', TaskState.TASK_STATE_RUNNING], 'the namer\'s own lease, older, was renewed');
    assert.ok((await orch.tasks.listWorkers({})).workers.some((w) => w.agentId === holder.agentId), 'the quiet holder itself is still registered');
  });
});
