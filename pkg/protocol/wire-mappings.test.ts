import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputStream, TaskState } from '../gen/agent/v1/agent.js';
import { streamName, wireStream } from './output-streams.js';
import { isFinalTaskState, taskStateName, wireState, type FinalState } from './task-states.js';

describe('wire mappings', () => {
  it('maps each stream to the wire and back; an unknown value is no stream', () => {
    for (const name of ['stdout', 'stderr'] as const) assert.equal(streamName(wireStream(name)), name);
    assert.equal(wireStream('stdout'), OutputStream.OUTPUT_STREAM_STDOUT);
    assert.equal(streamName(OutputStream.OUTPUT_STREAM_UNSPECIFIED), undefined);
    assert.equal(streamName(7 as OutputStream), undefined);
  });

  it('maps each final state to the wire, and only those are final', () => {
    const finals: FinalState[] = ['COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED'];
    for (const state of finals) {
      assert.equal(taskStateName(wireState(state)), state);
      assert.ok(isFinalTaskState(wireState(state)));
    }
    for (const state of [TaskState.TASK_STATE_UNSPECIFIED, TaskState.TASK_STATE_QUEUED, TaskState.TASK_STATE_RUNNING]) {
      assert.equal(isFinalTaskState(state), false, taskStateName(state));
    }
  });

  it('names a state this build does not know by its number', () => {
    assert.equal(taskStateName(42 as TaskState), 'UNKNOWN_42');
    assert.equal(taskStateName(TaskState.TASK_STATE_QUEUED), 'QUEUED');
  });
});
