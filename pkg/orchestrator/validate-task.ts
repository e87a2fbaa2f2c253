import { Task } from '../gen/agent/v1/agent.js';
import { isBuiltinToolType, paramsCaseForTool } from '../protocol/index.js';
import type { OrchestratorError } from './attempt-outcome.js';
import { groupNameProblem, labelsProblem } from '../placement/label-rules.js';
import type { Placement } from '../placement/placement.js';
import { hasControlCharacters } from './validate-registration.js';

export interface TaskLimits {
  /** Largest encoded task the orchestrator will forward to a worker. */
  readonly maxTaskBytes: number;
}

/**
 * Longest tool_type and worker target accepted, in UTF-8 bytes (a registered tool's name has at
 * most 64 characters). Both are echoed in every answer about the task (GetTask's tool_type,
 * NO_WORKER and UNKNOWN_TOOL messages): unbounded, a task could be accepted whose answers no
 * longer fit a message.
 */
export const MAX_NAME_BYTES = 256;

/** Longest RunTaskRequest.idempotency_key accepted, in bytes. */
export const MAX_IDEMPOTENCY_KEY_BYTES = 128;

/** Why an idempotency key is refused (INVALID_ARGUMENT): over 128 bytes, or not printable ASCII; undefined when fine ('' is no key). */
export function idempotencyKeyProblem(key: string): string | undefined {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_IDEMPOTENCY_KEY_BYTES) return `idempotency_key is ${bytes} bytes long, more than the ${MAX_IDEMPOTENCY_KEY_BYTES} allowed`;
  if (!/^[\x20-\x7e]*$/.test(key)) return 'idempotency_key must be printable ASCII (no control or non-ASCII characters)';
  return undefined;
}

/**
 * Checks what a request names before a task is even recorded: returns why it is malformed (the
 * caller answers INVALID_ARGUMENT), or undefined.
 */
export function checkRequestNames(task: Task, placement: Placement): string | undefined {
  for (const [field, value] of [['task.tool_type', task.toolType], ['worker', placement.worker]] as const) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_NAME_BYTES) return `${field} is ${bytes} bytes long, more than the ${MAX_NAME_BYTES} allowed`;
    if (hasControlCharacters(value)) return `${field} contains control characters`;
  }
  if (placement.group !== '') {
    const problem = groupNameProblem(placement.group);
    if (problem !== undefined) return problem;
  }
  return labelsProblem(placement.labels);
}

/** Why a task that names a session is refused (sessions are reserved: Task.session_id). */
export const SESSIONS_UNSUPPORTED = 'sessions are not supported yet (Task.session_id)';

/**
 * Whether the request asks for something this version does not have: a session. The caller
 * refuses it (INVALID_ARGUMENT) before anything is recorded; undefined when there is none.
 */
export function unsupportedFeature(task: Task): string | undefined {
  return task.sessionId === '' ? undefined : SESSIONS_UNSUPPORTED;
}

/**
 * Cheap, structural checks at submission; deep validation (paths, URLs, patterns) is the
 * worker's. Returns the error to finish the task with, or undefined when it may be dispatched.
 */
export function validateTask(task: Task, limits: TaskLimits): OrchestratorError | undefined {
  if (task.toolType === '') {
    return { code: 'INVALID_PARAMS', message: 'task.tool_type is required' };
  }
  // TaskService refuses these before (unsupportedFeature); a library caller of the broker gets a result.
  if (task.sessionId !== '') return { code: 'SESSION_UNSUPPORTED', message: SESSIONS_UNSUPPORTED };
  const actual = task.params?.$case;
  const expected = paramsCaseForTool(task.toolType);
  if (isBuiltinToolType(task.toolType)) {
    if (actual !== expected) {
      const got = actual === undefined ? 'no params' : `params case ${actual}`;
      return { code: 'INVALID_PARAMS', message: `${task.toolType} expects params case ${expected}, got ${got}` };
    }
  } else if (actual !== undefined && actual !== 'custom') {
    return {
      code: 'INVALID_PARAMS',
      message: `${task.toolType} is not a built-in tool and takes params case custom, got ${actual}`,
    };
  }
  const size = Task.encode(task).len;
  if (size > limits.maxTaskBytes) {
    return {
      code: 'MESSAGE_TOO_LARGE',
      message: `the task is ${size} bytes, more than the ${limits.maxTaskBytes} bytes the orchestrator forwards`,
    };
  }
  return undefined;
}
