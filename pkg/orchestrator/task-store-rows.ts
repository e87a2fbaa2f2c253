import { Task, TaskResult } from '../gen/agent/v1/agent.js';
import type { Placement } from '../placement/placement.js';
import type { StoredTask, StoredTaskState } from './task-store.js';

/** A row of the tasks table (task-store.ts), as SQLite returns it. */
export interface Row {
  seq: number;
  task_id: string;
  owner: string;
  tool_type: string;
  task: Buffer;
  target: string;
  placement: string;
  state: StoredTaskState;
  attempt: number;
  lease_epoch: number;
  worker: string;
  holder_agent_id: string;
  holder_token_sha256: string;
  cancel_force: number | null;
  cancel_reason: string | null;
  result_epoch: number;
  last_failure: Buffer | null;
  result: Buffer | null;
  submitted_at_ms: number;
  finished_at_ms: number | null;
  idempotency_key: string;
}

/** A protobuf writer's bytes as a Buffer (no copy). */
export function encode(writer: { finish(): Uint8Array }): Buffer {
  const bytes = writer.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function fromRow(row: Row): StoredTask {
  return {
    taskId: row.task_id,
    seq: row.seq,
    owner: row.owner,
    task: Task.decode(row.task),
    taskBytes: row.task.length,
    toolType: row.tool_type,
    placement: decodePlacement(row.target, row.placement),
    state: row.state,
    attempt: row.attempt,
    leaseEpoch: row.lease_epoch,
    worker: row.worker,
    holder: row.holder_agent_id === '' ? undefined : { agentId: row.holder_agent_id, tokenHash: row.holder_token_sha256 },
    cancel: row.cancel_force === null ? undefined : { force: row.cancel_force !== 0, reason: row.cancel_reason ?? '' },
    resultEpoch: row.result_epoch,
    lastFailure: row.last_failure === null ? undefined : TaskResult.decode(row.last_failure),
    result: row.result === null ? undefined : TaskResult.decode(row.result),
    submittedAtMs: row.submitted_at_ms,
    finishedAtMs: row.finished_at_ms ?? undefined,
    idempotencyKey: row.idempotency_key ?? '',
  };
}

/** The placement columns of a row: the worker in `target`, group and labels as JSON (`{}` in rows of version 1). */
function decodePlacement(target: string, json: string): Placement {
  const parsed: unknown = JSON.parse(json);
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { group?: unknown; labels?: unknown };
  const labels: Record<string, string> = {};
  if (typeof fields.labels === 'object' && fields.labels !== null) {
    for (const [key, value] of Object.entries(fields.labels)) if (typeof value === 'string') labels[key] = value;
  }
  return { worker: target, group: typeof fields.group === 'string' ? fields.group : '', labels };
}
