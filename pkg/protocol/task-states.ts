import { TaskState } from '../gen/agent/v1/agent.js';

/** The states a task can end in, by name (the worker's word for them). */
export type FinalState = 'COMPLETED' | 'FAILED' | 'TIMEOUT' | 'CANCELLED';

const WIRE_STATE: Readonly<Record<FinalState, TaskState>> = Object.freeze({
  COMPLETED: TaskState.TASK_STATE_COMPLETED,
  FAILED: TaskState.TASK_STATE_FAILED,
  TIMEOUT: TaskState.TASK_STATE_TIMEOUT,
  CANCELLED: TaskState.TASK_STATE_CANCELLED,
});

/** The wire state (TaskResult.state) of a final state. */
export function wireState(state: FinalState): TaskState {
  return WIRE_STATE[state];
}

/** True for the states a task ends in (a result exists); false for queued, running, unspecified. */
export function isFinalTaskState(state: TaskState): boolean {
  return (
    state === TaskState.TASK_STATE_COMPLETED ||
    state === TaskState.TASK_STATE_FAILED ||
    state === TaskState.TASK_STATE_TIMEOUT ||
    state === TaskState.TASK_STATE_CANCELLED
  );
}

/** A wire state's short name: `COMPLETED` for TASK_STATE_COMPLETED, ...; `UNKNOWN_9` for a value this build does not know. */
export function taskStateName(state: TaskState): string {
  const name = (TaskState as Record<number, string | undefined>)[state];
  return name === undefined ? `UNKNOWN_${state}` : name.replace(/^TASK_STATE_/, '');
}
