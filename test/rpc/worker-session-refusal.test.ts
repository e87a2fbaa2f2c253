// #12 §2: Task.session_id is reserved for sessions, which this version does not have. A worker
// given a task that sets it ends it at once, FAILED with cause SESSION_UNSUPPORTED, without
// running anything; before, it ran the task as if it had no session. The orchestrator is
// scripted in the test (harness.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Task, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { makeOutcome } from '../../pkg/worker/run-outcome.js';
import { scriptedExecutor, startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

describe('an assignment of a task with a session id', () => {
  let pair: ScriptedPair;
  const executor = scriptedExecutor(async () => makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 }));

  before(async () => {
    pair = await startScriptedPair({
      orchestrator: {
        register: () => ({ outputOffsets: true, protocolVersion: 2 }),
        onStream: (stream) => {
          for (const [taskId, sessionId] of [['with-session', 'session-1'], ['without', '']] as const) {
            const task = Task.fromPartial({ toolType: 'file_read', sessionId, params: { $case: 'fileRead', fileRead: { path: 'a.txt' } } });
            stream.send({ taskId, command: { $case: 'assign', assign: { task, leaseEpoch: 1, attempt: 1 } } });
          }
        },
      },
      executor,
    });
  });

  after(() => pair?.close());

  it('ends FAILED SESSION_UNSUPPORTED at once, nothing run; the same task without one runs', async () => {
    const about = (taskId: string) => pair.orchestrator.received.filter((m) => m.taskId === taskId);
    const done = await waitFor(() => about('with-session').find((m) => m.event?.$case === 'completed'), 10_000);
    const result = done.event?.$case === 'completed' ? done.event.completed : undefined;
    assert.equal(result?.state, TaskState.TASK_STATE_FAILED);
    assert.equal(result?.cause, 'SESSION_UNSUPPORTED');
    assert.equal(result?.error?.code, 'SESSION_UNSUPPORTED');
    assert.match(result?.error?.message ?? '', /sessions are not supported yet \(Task\.session_id\)/);
    assert.equal(result?.retryable, false);
    await waitFor(() => about('without').find((m) => m.event?.$case === 'completed'), 10_000);
    assert.deepEqual(executor.ran, ['without']);
    assert.deepEqual(about('with-session').map((m) => m.event?.$case), ['completed']);
  });
});
