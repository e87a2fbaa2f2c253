import ms from 'ms';
import { WorkerError } from '../errors/index.js';
import { Task } from '../gen/agent/v1/agent.js';
import { paramsCaseForTool, type TaskParams } from '../protocol/index.js';

/** A task as a program hands it to the library. */
export interface ExecuteTaskRequest {
  /** Lets the caller cancel it with cancelTask(); a random id when absent. */
  readonly taskId?: string;
  readonly toolType: string;
  /**
   * The typed parameters (`{ $case: 'fileRead', fileRead: { path } }`), or for short the fields
   * alone (`{ path: 'a.txt' }`); for a registered tool, its string values.
   */
  readonly params?: TaskParams | Readonly<Record<string, unknown>>;
  /** Host directory mounted at /workspace. */
  readonly mountSource?: string;
  readonly writable?: boolean;
  /** Milliseconds or a duration such as `'30s'`; capped by the tool's own timeout. */
  readonly timeout?: number | string;
  readonly sessionId?: string;
}

/** Turns a library request into the wire Task the executor runs (same checks as from the wire). */
export function toTask(request: ExecuteTaskRequest): Task {
  return Task.fromPartial({
    toolType: request.toolType,
    mountSource: request.mountSource ?? '',
    writable: request.writable ?? false,
    timeoutMs: toTimeoutMs(request.timeout),
    sessionId: request.sessionId ?? '',
    params: toParams(request.toolType, request.params),
  } as Parameters<typeof Task.fromPartial>[0]);
}

function toParams(toolType: string, params: ExecuteTaskRequest['params']): unknown {
  if (params === undefined) return undefined;
  if ('$case' in params) return params;
  const paramsCase = paramsCaseForTool(toolType);
  if (paramsCase === undefined) {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) values[key] = String(value);
    return { $case: 'custom', custom: { values } };
  }
  return { $case: paramsCase, [paramsCase]: params };
}

function toTimeoutMs(timeout: number | string | undefined): number {
  if (timeout === undefined) return 0;
  let value: unknown;
  try {
    value = typeof timeout === 'number' ? timeout : ms(timeout as ms.StringValue);
  } catch {
    value = undefined; // ms throws on '' and on non-strings
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new WorkerError('INVALID_PARAMS', `timeout ${JSON.stringify(timeout)} is not a duration (e.g. 30s)`);
  }
  return Math.round(value);
}
