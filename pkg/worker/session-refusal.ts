import type { Task } from '../gen/agent/v1/agent.js';

/**
 * Task.session_id is reserved for sessions (one container kept for an agent's sequence of
 * calls), which this version does not have: a task that sets it is refused before anything runs,
 * rather than run without the session it asked for. Undefined for a task without one.
 */
export function sessionRefusal(task: Pick<Task, 'sessionId'>): { readonly code: 'SESSION_UNSUPPORTED'; readonly message: string } | undefined {
  return task.sessionId === '' ? undefined : { code: 'SESSION_UNSUPPORTED', message: 'sessions are not supported yet (Task.session_id)' };
}
