// Conformance, orchestrator side: the task stream, refusals at submission, output placed by
// offset and acknowledgements, checked on the real bin/orchestrator by workers scripted in the
// test (docs/protocol.md, §5 and §6).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClient, Metadata, Status } from 'nice-grpc';
import { AgentServiceDefinition, TaskState, type RunTaskRequest } from '../../pkg/gen/agent/v1/agent.js';
import {
  AGENT_TOKEN_HEADER,
  accepted,
  completed,
  drain,
  follow,
  hello,
  openTaskStream,
  output,
  running,
  statusOf,
  streamStatus,
  toolTask,
  useOrchestrator,
  within,
  type WorkerStream,
} from './scripted-worker.js';

describe('conformance: the orchestrator\'s side of the task stream', { timeout: 120_000 }, () => {
  const orch = useOrchestrator(['--worker-timeout', '120s']);

  it('[O8] a TaskStream whose first message is not hello fails INVALID_ARGUMENT', async () => {
    const w = orch.worker({ name: 'no-hello' });
    await w.register();
    const stream = openTaskStream(w.client, accepted('some-task', 1), w.metadata());
    assert.equal(await streamStatus(stream), Status.INVALID_ARGUMENT);
    const listed = (await orch.tasks.listWorkers({})).workers.find((x) => x.agentId === w.agentId);
    assert.equal(listed?.connected, false, 'no stream was taken for it');
  });

  it('[O8] a hello naming an unknown agent id fails NOT_FOUND', async () => {
    const raw = createClient(AgentServiceDefinition, orch.channel());
    assert.equal(await streamStatus(openTaskStream(raw, hello('agent-id-never-registered'), Metadata())), Status.NOT_FOUND);
  });

  it('[O8] a hello naming a registered agent id without its token, or with another worker\'s, fails PERMISSION_DENIED; its own stream goes on', async () => {
    const { w, s } = await orch.connected('stream-owner', ['conf_o8']);
    const { w: other } = await orch.connected('stream-thief', ['conf_other']);
    for (const metadata of [Metadata(), Metadata({ [AGENT_TOKEN_HEADER]: other.token })]) {
      assert.equal(await streamStatus(openTaskStream(other.client, hello(w.agentId), metadata)), Status.PERMISSION_DENIED);
    }
    const run = follow(orch.tasks, toolTask({}, 'conf_o8'));
    const assignment = await s.take('assign');
    assert.equal(assignment.taskId, await within(run.taskId, 'the task id'), 'its own stream still gets its tasks');
    s.send(completed(assignment.taskId, 1));
    assert.equal((await within(run.result, 'the result')).worker, 'stream-owner');
  });

  it('[O16] a stream the worker half-closes ends (OK), and the worker keeps its leases: it reports on a new stream', async () => {
    const { w, s } = await orch.connected('half-closer', ['conf_o16']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o16'));
    const { taskId } = await s.take('assign');
    s.send(running(taskId, 1));
    s.end();
    assert.equal(await within(s.ended, 'the call ended after the half-close', 5_000), 'ok');
    const view = await orch.tasks.getTask({ taskId });
    assert.deepEqual([view.state, view.worker, view.attempt], [TaskState.TASK_STATE_RUNNING, 'half-closer', 1], 'its lease is kept');
    const again = w.open();
    again.send(output(taskId, 1, 'after the half-close\n', 0));
    again.send(completed(taskId, 1));
    assert.deepEqual((await again.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: true });
    const result = await within(run.result, 'the result');
    assert.deepEqual([result.state, result.attempt, run.received('stdout')], [TaskState.TASK_STATE_COMPLETED, 1, 'after the half-close\n']);
  });

  describe('[O11] what the orchestrator judges at submission', () => {
    /** The first assignment `s` gets is of a task submitted now: nothing went to it before. */
    const nothingAssignedBefore = async (s: WorkerStream, tool: string): Promise<void> => {
      const next = follow(orch.tasks, toolTask({}, tool));
      const assignment = await s.take('assign');
      assert.equal(assignment.taskId, await within(next.taskId, 'the task id'), 'the first assignment is of the task submitted after');
      s.send(completed(assignment.taskId, 1));
      await within(next.result, 'its result');
    };
    const recorded = async (): Promise<number> => (await orch.tasks.listTasks({ recentFinished: 100 })).tasks.length;

    /** RunTask and SubmitTask refuse each request with INVALID_ARGUMENT, and nothing is recorded or reaches the worker. */
    const refused = async (requests: ReadonlyArray<Partial<RunTaskRequest>>, tool: string): Promise<void> => {
      const { s } = await orch.connected(`refusals-${tool}`, [tool]);
      for (const request of requests) {
        const before = await recorded();
        assert.equal(await statusOf(orch.tasks.submitTask(request)), Status.INVALID_ARGUMENT, `SubmitTask ${JSON.stringify(request)}`);
        assert.equal(await statusOf(drain(orch.tasks.runTask(request))), Status.INVALID_ARGUMENT, `RunTask ${JSON.stringify(request)}`);
        assert.equal(await recorded(), before, 'nothing recorded or queued');
      }
      await nothingAssignedBefore(s, tool);
    };

    it('[O11] RunTask and SubmitTask without a task fail INVALID_ARGUMENT, and nothing is recorded or queued', async () => {
      await refused([{}], 'conf_o11_none');
    });

    it('[O11] RunTask and SubmitTask of a task with a session_id fail INVALID_ARGUMENT, and nothing is recorded or queued', async () => {
      await refused([{ task: { ...toolTask({}, 'conf_o11_session').task, sessionId: 'session-1' } }], 'conf_o11_session');
    });

    it('[O11] a task without a tool type, or with params of another tool\'s case, is recorded and ends at once FAILED INVALID_PARAMS, never assigned', async () => {
      const { s } = await orch.connected('invalid-params', ['conf_o11_case', 'file_read', 'list']);
      const requests = [
        { task: { ...toolTask({}, '').task, params: { $case: 'fileRead' as const, fileRead: { path: 'x' } } } },
        { task: { ...toolTask({}, 'file_read').task, params: { $case: 'list' as const, list: { path: '.' } } } },
        { task: { ...toolTask({}, 'conf_o11_case').task, params: { $case: 'fileRead' as const, fileRead: { path: 'x' } } } },
      ];
      for (const request of requests) {
        const run = follow(orch.tasks, request);
        const result = await within(run.result, `the result of ${JSON.stringify(request)}`);
        assert.deepEqual(run.events.map((e) => e.event?.$case), ['submitted', 'result'], 'RunTask: submitted, then the result');
        assert.deepEqual([result.state, result.cause, result.error?.code, result.retryable], [TaskState.TASK_STATE_FAILED, 'INVALID_PARAMS', 'INVALID_PARAMS', false]);
        const { taskId } = await orch.tasks.submitTask(request);
        const stored = await orch.tasks.getTask({ taskId });
        assert.deepEqual([stored.state, stored.result?.cause], [TaskState.TASK_STATE_FAILED, 'INVALID_PARAMS'], 'SubmitTask: recorded, and ended at once');
        const listed = (await orch.tasks.listTasks({ recentFinished: 100 })).tasks.map((t) => t.taskId);
        assert.ok(listed.includes(taskId) && listed.includes(await run.taskId), 'both recorded');
      }
      await nothingAssignedBefore(s, 'conf_o11_case');
    });
  });

  it('[O12] output chunks are placed by offset: repeated bytes are trimmed, and the client and the stored result get each byte once', async () => {
    const { w, s } = await orch.connected('offsets', ['conf_o12']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o12'));
    const { taskId } = await s.take('assign');
    s.send(running(taskId, 1));
    s.send(output(taskId, 1, 'hello ', 0));
    s.send(output(taskId, 1, 'world', 6));
    s.send(output(taskId, 1, 'hello wor', 0)); // nothing new
    s.send(output(taskId, 1, 'warn', 0, 'stderr'));
    s.send(output(taskId, 1, 'warn', 0, 'stderr')); // nothing new
    s.send(output(taskId, 1, 'ing\n', 4, 'stderr'));
    // The link breaks before the result; on a new stream the worker resends the whole output.
    s.end();
    await within(s.ended, 'the first stream ended');
    const again = w.open();
    again.send(output(taskId, 1, 'hello world!\n', 0)); // "!\n" is new
    again.send(output(taskId, 1, 'warning\n', 0, 'stderr')); // nothing new
    again.send(completed(taskId, 1, { outputIncluded: false }));
    assert.deepEqual((await again.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: true });
    const result = await within(run.result, 'the result');
    assert.equal(run.received('stdout'), 'hello world!\n', 'the client got each stdout byte once');
    assert.equal(run.received('stderr'), 'warning\n', 'and each stderr byte once');
    assert.equal(result.stdout.toString(), 'hello world!\n');
    assert.equal(result.stderr.toString(), 'warning\n');
    const stored = await orch.tasks.getTask({ taskId });
    assert.deepEqual([stored.result?.stdout.toString(), stored.result?.stderr.toString()], ['hello world!\n', 'warning\n']);
  });

  it('[O13] every completed gets an ack for its task id and epoch: accepted = true when stored, and again for a resend of the stored result', async () => {
    const { w, s } = await orch.connected('acks', ['conf_o13']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o13'));
    const { taskId } = await s.take('assign');
    s.send(completed(taskId, 1, { exitCode: 0 }));
    const first = await s.take('ack', taskId);
    assert.deepEqual([first.taskId, first.command.ack], [taskId, { leaseEpoch: 1, accepted: true }]);
    s.send(completed(taskId, 1, { exitCode: 0 }));
    assert.deepEqual((await s.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: true }, 'a resend on the same stream');
    const again = w.open();
    again.send(completed(taskId, 1, { exitCode: 5, state: TaskState.TASK_STATE_COMPLETED, cause: 'NON_ZERO_EXIT' }));
    assert.deepEqual((await again.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: true }, 'a resend after a reconnect');
    assert.equal((await within(run.result, 'the result')).exitCode, 0);
    const stored = await orch.tasks.getTask({ taskId });
    assert.deepEqual([stored.result?.exitCode, stored.result?.cause], [0, 'COMPLETED'], 'stored once: the resends changed nothing');
  });

  it('[O13] a completed for a lease not in force gets an ack for its task id and epoch with accepted = false', async () => {
    const { s } = await orch.connected('stale-acks', ['conf_o13b']);
    const run = follow(orch.tasks, toolTask({}, 'conf_o13b'));
    const { taskId } = await s.take('assign');
    s.send(completed(taskId, 2, { exitCode: 7 }));
    assert.deepEqual((await s.take('ack', taskId)).command.ack, { leaseEpoch: 2, accepted: false }, 'an epoch never given');
    assert.equal((await orch.tasks.getTask({ taskId })).result, undefined, 'the task goes on');
    s.send(completed('no-such-task', 1));
    const unknown = await s.take('ack', 'no-such-task');
    assert.deepEqual(unknown.command.ack, { leaseEpoch: 1, accepted: false }, 'a task it does not know');
    s.send(completed(taskId, 1));
    assert.deepEqual((await s.take('ack', taskId)).command.ack, { leaseEpoch: 1, accepted: true });
    assert.equal((await within(run.result, 'the result')).exitCode, 0);
  });
});
