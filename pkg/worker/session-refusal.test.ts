import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Task } from '../gen/agent/v1/agent.js';
import type { RunsContainers } from '../runtime/index.js';
import { ToolRegistry } from '../tools/index.js';
import { sessionRefusal } from './session-refusal.js';
import { TaskExecutor } from './task-executor.js';

describe('a task with a session id', () => {
  it('is refused SESSION_UNSUPPORTED; one without is not', () => {
    assert.deepEqual(sessionRefusal({ sessionId: 's-1' }), { code: 'SESSION_UNSUPPORTED', message: 'sessions are not supported yet (Task.session_id)' });
    assert.equal(sessionRefusal({ sessionId: '' }), undefined);
  });

  it('ends FAILED in the executor before any container (before the tool is even looked up)', async () => {
    const runs: unknown[] = [];
    const runner: RunsContainers = {
      run(spec) {
        runs.push(spec);
        throw new Error('no container may be started');
      },
    };
    const executor = new TaskExecutor({ runner, tools: new ToolRegistry(), workerId: 'w', outputCapBytes: 1024, cancelGraceMs: 0, defaultRuntime: 'runc' });
    const task = Task.fromPartial({ toolType: 'file_read', sessionId: 's-1', params: { $case: 'fileRead', fileRead: { path: 'a.txt' } } });
    const outcome = await executor.run('t-1', task);
    assert.equal(outcome.state, 'FAILED');
    assert.equal(outcome.cause, 'SESSION_UNSUPPORTED');
    assert.equal(outcome.retryable, false);
    assert.equal(outcome.profile, '');
    assert.deepEqual(runs, []);
    assert.deepEqual(executor.activeTaskIds, []);
  });
});
