import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Task, TaskResult } from '../gen/agent/v1/agent.js';
import { encode, fromRow, type Row } from './task-store-rows.js';
import type { Placement } from '../placement/placement.js';

/** `--data-dir` value that keeps everything in memory (tests, demos). */
export const IN_MEMORY = ':memory:';

/** The database file inside the data directory. */
export const TASK_DB_FILE = 'orchestrator.sqlite';

/**
 * 2: the placement column (group and labels a task asks for). 3: the owner column (the client
 * that submitted the task). Version 1 and 2 stores are upgraded; their tasks are owned by nobody
 * (''), which only admins see.
 */
const SCHEMA_VERSION = 3;

/** The owner of tasks stored before owners were recorded: visible to admins only. */
export const NO_OWNER = '';

/**
 * Where a stored task is: waiting for a worker, held by a lease (assigned to a worker, maybe
 * running), or finished with a result.
 */
export type StoredTaskState = 'queued' | 'assigned' | 'finished';

/**
 * The worker a lease was given to: its agent id and the SHA-256 of its resume token (never the
 * token). After a restart only the worker that presents that id with that token may claim the
 * lease back (lease-holder-rules.ts).
 */
export interface LeaseHolder {
  readonly agentId: string;
  readonly tokenHash: string;
}

export interface CancelRequest {
  readonly force: boolean;
  readonly reason: string;
}

export interface StoredTask {
  readonly taskId: string;
  /** Submission order. */
  readonly seq: number;
  /** The client that submitted it (`token:<name>`, `cert:<cn>`, `local`, ...); NO_OWNER for tasks of older stores. */
  readonly owner: string;
  /** The task as submitted; empty (a default Task) once finished, to keep finished rows small. */
  readonly task: Task;
  /** Encoded size of `task` (0 once finished). */
  readonly taskBytes: number;
  readonly toolType: string;
  /** Where the client asked it to run: a worker (agent id or name), a group, labels; empty for any. */
  readonly placement: Placement;
  readonly state: StoredTaskState;
  /** Number of the current or last assignment (0: never assigned). */
  readonly attempt: number;
  /** Epoch of the current or last lease (0: never assigned). */
  readonly leaseEpoch: number;
  /** Name of the worker holding the lease, or that ran the task. */
  readonly worker: string;
  /**
   * Who holds the lease while assigned; once finished, the worker whose result was stored
   * (undefined when the orchestrator decided the end, and for rows stored before #11/#12).
   */
  readonly holder: LeaseHolder | undefined;
  readonly cancel: CancelRequest | undefined;
  /** Epoch whose result from a worker was accepted (0: none). */
  readonly resultEpoch: number;
  /** The result of the last retryable end, used as the final one when no retry is possible. */
  readonly lastFailure: TaskResult | undefined;
  readonly result: TaskResult | undefined;
  readonly submittedAtMs: number;
  readonly finishedAtMs: number | undefined;
  /** The client's key for this submission ('' for none): a repeat of it by the same owner returns this task. */
  readonly idempotencyKey: string;
}

export interface RetentionLimits {
  /** Finished at or before this time: dropped. */
  readonly finishedBeforeMs: number;
  readonly maxEntries: number;
  /** Output bytes (stdout + stderr) of all retained results. */
  readonly maxBytes: number;
}

/**
 * The orchestrator's durable state: every task from submission to its result, in SQLite.
 * Protocol messages are stored as their protobuf encoding. Every method is one statement (or
 * one transaction); the broker calls them as its state changes, so a restart resumes from here.
 */
export interface TaskStore {
  /** The database file, or `:memory:`. */
  readonly location: string;
  /** Stores a new queued task; returns its submission sequence number. */
  insert(input: { taskId: string; owner: string; task: Task; placement: Placement; submittedAtMs: number; idempotencyKey?: string }): number;
  /** The task `owner` submitted with idempotency key `key` (not empty), while it is retained. */
  taskWithKey(owner: string, key: string): string | undefined;
  /** The task is leased to a worker; without `holder` nobody may claim the lease after a restart. */
  assigned(taskId: string, lease: { attempt: number; leaseEpoch: number; worker: string; holder?: LeaseHolder }): void;
  /** The lease's holder registered anew (after a restart) and claimed it under its new agent id. */
  workerChanged(taskId: string, worker: string, holder?: LeaseHolder): void;
  /** Back in the queue for another attempt. */
  requeued(taskId: string, input: { lastFailure: TaskResult; resultEpoch: number }): void;
  cancelRequested(taskId: string, cancel: CancelRequest): void;
  /**
   * Stores the final result; false when the task was already finished (nothing changes).
   * `deliveredBy`: the worker whose result this is (kept as the row's holder: the only one whose
   * resend of it is acknowledged as accepted); undefined when the orchestrator decided the end.
   */
  finished(taskId: string, result: TaskResult, input: { resultEpoch: number; finishedAtMs: number; deliveredBy?: LeaseHolder }): boolean;
  /** Queued and assigned tasks, in submission order. */
  unfinished(): StoredTask[];
  get(taskId: string): StoredTask | undefined;
  /** The most recently finished tasks still in the store, newest first; only `owner`'s when given. */
  recentFinished(limit: number, owner?: string): StoredTask[];
  /** Drops finished tasks past the retention limits, oldest first; returns how many. */
  prune(limits: RetentionLimits): number;
  close(): void;
}

const SCHEMA = `
CREATE TABLE tasks (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id         TEXT    NOT NULL UNIQUE,
  owner           TEXT    NOT NULL DEFAULT '',
  tool_type       TEXT    NOT NULL,
  task            BLOB    NOT NULL,
  target          TEXT    NOT NULL,
  placement       TEXT    NOT NULL DEFAULT '{}',
  state           TEXT    NOT NULL CHECK (state IN ('queued', 'assigned', 'finished')),
  attempt         INTEGER NOT NULL DEFAULT 0,
  lease_epoch     INTEGER NOT NULL DEFAULT 0,
  worker          TEXT    NOT NULL DEFAULT '',
  cancel_force    INTEGER,
  cancel_reason   TEXT,
  result_epoch    INTEGER NOT NULL DEFAULT 0,
  last_failure    BLOB,
  result          BLOB,
  result_bytes    INTEGER NOT NULL DEFAULT 0,
  submitted_at_ms INTEGER NOT NULL,
  finished_at_ms  INTEGER
);
CREATE INDEX tasks_by_state ON tasks (state, seq);
CREATE INDEX tasks_by_finish ON tasks (finished_at_ms) WHERE state = 'finished';
CREATE INDEX tasks_by_owner ON tasks (owner, finished_at_ms) WHERE state = 'finished';
`;

/** From version 2 to 3: tasks stored before are owned by nobody. */
const ADD_OWNER = `
ALTER TABLE tasks ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX tasks_by_owner ON tasks (owner, finished_at_ms) WHERE state = 'finished';
`;

/**
 * Opens (creating when missing) the store in `dataDir` (created 0700), or an in-memory one for
 * `:memory:`. The file is locked for this process: a second orchestrator on the same directory
 * fails here instead of corrupting the first one's state.
 */
export function openTaskStore(dataDir: string): TaskStore {
  let location = IN_MEMORY;
  if (dataDir !== IN_MEMORY) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    location = join(dataDir, TASK_DB_FILE);
  }
  const db = new Database(location, { timeout: 100 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('locking_mode = EXCLUSIVE');
    migrate(db, location);
    addLeaseHolderColumns(db);
    addIdempotencyKeyColumn(db);
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw new Error(`${location} is in use by another orchestrator (one data directory per orchestrator)`, { cause: error });
    }
    throw error;
  }
  return createTaskStore(db, location);
}

function migrate(db: Database.Database, location: string): void {
  // BEGIN IMMEDIATE takes the (exclusive) write lock now, not at the first write.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version === 1 || version === 2) {
      if (version === 1) db.exec(`ALTER TABLE tasks ADD COLUMN placement TEXT NOT NULL DEFAULT '{}'`);
      db.exec(ADD_OWNER);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return;
    }
    if (version !== 0) {
      throw new Error(`${location} has schema version ${version}; this orchestrator knows version ${SCHEMA_VERSION}`);
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * The lease holder's identity (#11), added to a store of any version when missing (an older
 * orchestrator ignores the columns). Leases stored without it have no holder: nobody claims
 * them after a restart, they are lost at their deadline and run again.
 */
function addLeaseHolderColumns(db: Database.Database): void {
  const columns = new Set((db.pragma('table_info(tasks)') as Array<{ name: string }>).map((c) => c.name));
  db.transaction(() => {
    if (!columns.has('holder_agent_id')) db.exec(`ALTER TABLE tasks ADD COLUMN holder_agent_id TEXT NOT NULL DEFAULT ''`);
    if (!columns.has('holder_token_sha256')) db.exec(`ALTER TABLE tasks ADD COLUMN holder_token_sha256 TEXT NOT NULL DEFAULT ''`);
  }).immediate();
}

/**
 * The client's idempotency key (#13), added to a store of any version when missing, unique per
 * owner among the rows kept (an older orchestrator ignores it).
 */
function addIdempotencyKeyColumn(db: Database.Database): void {
  const columns = new Set((db.pragma('table_info(tasks)') as Array<{ name: string }>).map((c) => c.name));
  db.transaction(() => {
    if (!columns.has('idempotency_key')) db.exec(`ALTER TABLE tasks ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT ''`);
    db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS tasks_by_idempotency_key ON tasks (owner, idempotency_key) WHERE idempotency_key != ''`);
  }).immediate();
}

function createTaskStore(db: Database.Database, location: string): TaskStore {
  const statements = {
    insert: db.prepare<[string, string, string, Buffer, string, string, number, string]>(
      `INSERT INTO tasks (task_id, owner, tool_type, task, target, placement, state, submitted_at_ms, idempotency_key)
         VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
    ),
    taskWithKey: db.prepare<[string, string], { task_id: string }>(`SELECT task_id FROM tasks WHERE owner = ? AND idempotency_key = ?`),
    assigned: db.prepare<[number, number, string, string, string, string]>(
      `UPDATE tasks SET state = 'assigned', attempt = ?, lease_epoch = ?, worker = ?, holder_agent_id = ?, holder_token_sha256 = ?
         WHERE task_id = ? AND state != 'finished'`,
    ),
    workerChanged: db.prepare<[string, string, string, string]>(
      `UPDATE tasks SET worker = ?, holder_agent_id = ?, holder_token_sha256 = ? WHERE task_id = ? AND state = 'assigned'`,
    ),
    requeued: db.prepare<[Buffer, number, string]>(
      `UPDATE tasks SET state = 'queued', worker = '', holder_agent_id = '', holder_token_sha256 = '', last_failure = ?, result_epoch = ? WHERE task_id = ? AND state != 'finished'`,
    ),
    cancelRequested: db.prepare<[number, string, string]>(
      `UPDATE tasks SET cancel_force = ?, cancel_reason = ? WHERE task_id = ? AND state != 'finished'`,
    ),
    finished: db.prepare<[Buffer, number, number, string, number, string, string, string]>(
      `UPDATE tasks SET state = 'finished', result = ?, result_bytes = ?, result_epoch = ?, worker = ?, finished_at_ms = ?,
         holder_agent_id = ?, holder_token_sha256 = ?,
         last_failure = NULL, task = x'' WHERE task_id = ? AND state != 'finished'`,
    ),
    unfinished: db.prepare<[], Row>(`SELECT * FROM tasks WHERE state != 'finished' ORDER BY seq`),
    get: db.prepare<[string], Row>(`SELECT * FROM tasks WHERE task_id = ?`),
    recentFinished: db.prepare<[number], Row>(
      `SELECT * FROM tasks WHERE state = 'finished' ORDER BY finished_at_ms DESC, seq DESC LIMIT ?`,
    ),
    recentFinishedOf: db.prepare<[string, number], Row>(
      `SELECT * FROM tasks WHERE state = 'finished' AND owner = ? ORDER BY finished_at_ms DESC, seq DESC LIMIT ?`,
    ),
    expire: db.prepare<[number]>(`DELETE FROM tasks WHERE state = 'finished' AND finished_at_ms <= ?`),
    totals: db.prepare<[], { entries: number; bytes: number }>(
      `SELECT count(*) AS entries, coalesce(sum(result_bytes), 0) AS bytes FROM tasks WHERE state = 'finished'`,
    ),
    oldest: db.prepare<[], { task_id: string; result_bytes: number }>(
      `SELECT task_id, result_bytes FROM tasks WHERE state = 'finished' ORDER BY finished_at_ms, seq`,
    ),
    remove: db.prepare<[string]>(`DELETE FROM tasks WHERE task_id = ?`),
  };

  const prune = db.transaction((limits: RetentionLimits): number => {
    let removed = statements.expire.run(limits.finishedBeforeMs).changes;
    let { entries, bytes } = statements.totals.get()!;
    if (entries <= limits.maxEntries && bytes <= limits.maxBytes) return removed;
    // The connection is busy while iterating: collect first, then delete.
    const toRemove: string[] = [];
    for (const row of statements.oldest.iterate()) {
      if (entries <= limits.maxEntries && bytes <= limits.maxBytes) break;
      toRemove.push(row.task_id);
      entries -= 1;
      bytes -= row.result_bytes;
    }
    for (const taskId of toRemove) removed += statements.remove.run(taskId).changes;
    return removed;
  });

  let closed = false;
  return {
    location,
    insert({ taskId, owner, task, placement, submittedAtMs, idempotencyKey = '' }) {
      const info = statements.insert.run(
        taskId,
        owner,
        task.toolType,
        encode(Task.encode(task)),
        placement.worker,
        JSON.stringify({ group: placement.group, labels: placement.labels }),
        submittedAtMs,
        idempotencyKey,
      );
      return Number(info.lastInsertRowid);
    },
    taskWithKey(owner, key) {
      return key === '' ? undefined : statements.taskWithKey.get(owner, key)?.task_id;
    },
    assigned(taskId, { attempt, leaseEpoch, worker, holder }) {
      statements.assigned.run(attempt, leaseEpoch, worker, holder?.agentId ?? '', holder?.tokenHash ?? '', taskId);
    },
    workerChanged(taskId, worker, holder) {
      statements.workerChanged.run(worker, holder?.agentId ?? '', holder?.tokenHash ?? '', taskId);
    },
    requeued(taskId, { lastFailure, resultEpoch }) {
      statements.requeued.run(encode(TaskResult.encode(lastFailure)), resultEpoch, taskId);
    },
    cancelRequested(taskId, { force, reason }) {
      statements.cancelRequested.run(force ? 1 : 0, reason, taskId);
    },
    finished(taskId, result, { resultEpoch, finishedAtMs, deliveredBy }) {
      const bytes = result.stdout.length + result.stderr.length;
      const info = statements.finished.run(
        encode(TaskResult.encode(result)),
        bytes,
        resultEpoch,
        result.worker,
        finishedAtMs,
        deliveredBy?.agentId ?? '',
        deliveredBy?.tokenHash ?? '',
        taskId,
      );
      return info.changes > 0;
    },
    unfinished() {
      return statements.unfinished.all().map(fromRow);
    },
    get(taskId) {
      const row = statements.get.get(taskId);
      return row === undefined ? undefined : fromRow(row);
    },
    recentFinished(limit, owner) {
      return (owner === undefined ? statements.recentFinished.all(limit) : statements.recentFinishedOf.all(owner, limit)).map(fromRow);
    },
    prune(limits) {
      return prune(limits);
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
