import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Task, TaskResult, TaskState } from '../gen/agent/v1/agent.js';
import { ANY_PLACEMENT } from '../placement/placement.js';
import { IN_MEMORY, NO_OWNER, TASK_DB_FILE, openTaskStore, type TaskStore } from './task-store.js';

const scratch = mkdtempSync(join(tmpdir(), 'task-store-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let count = 0;
const freshDir = (): string => join(scratch, `d${count++}`, 'data');
const OWNER = 'token:alice';

const task = (path: string): Task => Task.fromPartial({ toolType: 'file_read', mountSource: '/m', params: { $case: 'fileRead', fileRead: { path } } });
const output = (text: string, state = TaskState.TASK_STATE_COMPLETED): TaskResult =>
  TaskResult.fromPartial({ state, stdout: Buffer.from(text), worker: 'w1', cause: 'COMPLETED', attempt: 1 });

function withStore<T>(dir: string, use: (store: TaskStore) => T): T {
  const store = openTaskStore(dir);
  try {
    return use(store);
  } finally {
    store.close();
  }
}

describe('openTaskStore', () => {
  it('keeps a task through its life: queued, assigned, re-queued, finished', () => {
    withStore(IN_MEMORY, (store) => {
      assert.equal(store.location, IN_MEMORY);
      const seq = store.insert({ owner: OWNER, taskId: 't1', task: task('a'), placement: { worker: 'w1', group: 'gpu', labels: { zone: 'a' } }, submittedAtMs: 10 });
      let row = store.get('t1')!;
      assert.equal(row.seq, seq);
      assert.equal(row.state, 'queued');
      assert.deepEqual(row.task, task('a'));
      assert.equal(row.toolType, 'file_read');
      assert.deepEqual(row.placement, { worker: 'w1', group: 'gpu', labels: { zone: 'a' } });
      assert.equal(row.attempt, 0);
      assert.equal(row.cancel, undefined);

      store.assigned('t1', { attempt: 1, leaseEpoch: 1, worker: 'alpha' });
      store.workerChanged('t1', 'beta');
      store.cancelRequested('t1', { force: true, reason: 'asked' });
      row = store.get('t1')!;
      assert.deepEqual([row.state, row.attempt, row.leaseEpoch, row.worker], ['assigned', 1, 1, 'beta']);
      assert.deepEqual(row.cancel, { force: true, reason: 'asked' });

      const failure = output('first try', TaskState.TASK_STATE_FAILED);
      store.requeued('t1', { lastFailure: failure, resultEpoch: 1 });
      row = store.get('t1')!;
      assert.deepEqual([row.state, row.worker, row.resultEpoch], ['queued', '', 1]);
      assert.deepEqual(row.lastFailure, failure);

      store.assigned('t1', { attempt: 2, leaseEpoch: 2, worker: 'gamma' });
      assert.equal(store.finished('t1', output('done'), { resultEpoch: 2, finishedAtMs: 50 }), true);
      assert.equal(store.finished('t1', output('again'), { resultEpoch: 3, finishedAtMs: 60 }), false, 'finished once');
      row = store.get('t1')!;
      assert.deepEqual([row.state, row.resultEpoch, row.finishedAtMs, row.worker, row.toolType], ['finished', 2, 50, 'w1', 'file_read']);
      assert.equal(row.result?.stdout.toString(), 'done');
      assert.equal(row.lastFailure, undefined);
      store.assigned('t1', { attempt: 9, leaseEpoch: 9, worker: 'x' });
      assert.equal(store.get('t1')!.state, 'finished', 'a finished task stays finished');
      assert.equal(store.get('nope'), undefined);
    });
  });

  it('lists unfinished tasks in submission order', () => {
    withStore(IN_MEMORY, (store) => {
      for (const id of ['a', 'b', 'c', 'd']) store.insert({ owner: OWNER, taskId: id, task: task(id), placement: ANY_PLACEMENT, submittedAtMs: 1 });
      store.assigned('b', { attempt: 1, leaseEpoch: 1, worker: 'w' });
      store.finished('c', output('c'), { resultEpoch: 0, finishedAtMs: 2 });
      store.assigned('a', { attempt: 1, leaseEpoch: 1, worker: 'w' });
      store.requeued('a', { lastFailure: output('x'), resultEpoch: 0 });
      assert.deepEqual(
        store.unfinished().map((row) => [row.taskId, row.state]),
        [['a', 'queued'], ['b', 'assigned'], ['d', 'queued']],
      );
    });
  });

  it('prunes finished results by age, count and output bytes, oldest first; never unfinished tasks', () => {
    withStore(IN_MEMORY, (store) => {
      const finish = (id: string, text: string, at: number): void => {
        store.insert({ owner: OWNER, taskId: id, task: task(id), placement: ANY_PLACEMENT, submittedAtMs: 0 });
        store.finished(id, output(text), { resultEpoch: 0, finishedAtMs: at });
      };
      finish('old', 'x', 10);
      finish('r1', '1234', 20);
      finish('r2', '12', 30);
      finish('r3', '1', 40);
      store.insert({ owner: OWNER, taskId: 'queued', task: task('q'), placement: ANY_PLACEMENT, submittedAtMs: 0 });
      const ids = (): string[] => ['old', 'r1', 'r2', 'r3', 'queued'].filter((id) => store.get(id) !== undefined);

      assert.equal(store.prune({ finishedBeforeMs: 10, maxEntries: 100, maxBytes: 100 }), 1);
      assert.deepEqual(ids(), ['r1', 'r2', 'r3', 'queued']);
      assert.equal(store.prune({ finishedBeforeMs: 0, maxEntries: 2, maxBytes: 100 }), 1);
      assert.deepEqual(ids(), ['r2', 'r3', 'queued']);
      assert.equal(store.prune({ finishedBeforeMs: 0, maxEntries: 2, maxBytes: 1 }), 1);
      assert.deepEqual(ids(), ['r3', 'queued']);
      assert.equal(store.prune({ finishedBeforeMs: 0, maxEntries: 100, maxBytes: 100 }), 0);
      assert.equal(store.prune({ finishedBeforeMs: 1000, maxEntries: 1, maxBytes: 0 }), 1);
      assert.deepEqual(ids(), ['queued']);
    });
  });

  it('keeps everything in a 0700 directory across reopening', () => {
    const dir = freshDir();
    withStore(dir, (store) => {
      assert.equal(store.location, join(dir, TASK_DB_FILE));
      store.insert({ owner: OWNER, taskId: 'q', task: task('q'), placement: ANY_PLACEMENT, submittedAtMs: 1 });
      store.insert({ owner: OWNER, taskId: 'f', task: task('f'), placement: ANY_PLACEMENT, submittedAtMs: 2 });
      store.finished('f', output('kept'), { resultEpoch: 3, finishedAtMs: 5 });
    });
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    withStore(dir, (store) => {
      assert.deepEqual(store.unfinished().map((row) => row.taskId), ['q']);
      assert.equal(store.get('f')?.result?.stdout.toString(), 'kept');
      assert.equal(store.get('f')?.resultEpoch, 3);
      const seq = store.insert({ owner: OWNER, taskId: 'n', task: task('n'), placement: ANY_PLACEMENT, submittedAtMs: 3 });
      assert.ok(seq > store.get('f')!.seq, 'sequence numbers keep growing');
    });
  });

  it('refuses a data directory another orchestrator has open', () => {
    const dir = freshDir();
    withStore(dir, () => {
      assert.throws(() => openTaskStore(dir), /in use by another orchestrator/);
    });
    withStore(dir, (store) => assert.deepEqual(store.unfinished(), []));
  });

  it('refuses a database of an unknown schema version', () => {
    const dir = freshDir();
    withStore(dir, () => undefined);
    const db = new Database(join(dir, TASK_DB_FILE));
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => openTaskStore(dir), /schema version 99/);
  });

  it('upgrades a version 1 store: its tasks keep their worker target and ask for no group or labels', () => {
    const dir = freshDir();
    withStore(dir, (store) => store.insert({ owner: OWNER, taskId: 'old', task: task('o'), placement: { worker: 'w9', group: '', labels: {} }, submittedAtMs: 5 }));
    // What version 1 was: the same table without the placement and owner columns.
    const db = new Database(join(dir, TASK_DB_FILE));
    db.exec('DROP INDEX tasks_by_owner; DROP INDEX tasks_by_idempotency_key; ALTER TABLE tasks DROP COLUMN owner; ALTER TABLE tasks DROP COLUMN placement');
    db.pragma('user_version = 1');
    db.close();
    withStore(dir, (store) => {
      const [row] = store.unfinished();
      assert.equal(row?.taskId, 'old');
      assert.deepEqual(row?.placement, { worker: 'w9', group: '', labels: {} });
      store.insert({ owner: OWNER, taskId: 'new', task: task('n'), placement: { worker: '', group: 'gpu', labels: { zone: 'a' } }, submittedAtMs: 6 });
    });
    withStore(dir, (store) => {
      assert.deepEqual(store.get('new')?.placement, { worker: '', group: 'gpu', labels: { zone: 'a' } });
      assert.equal(store.get('old')?.owner, NO_OWNER);
    });
    const check = new Database(join(dir, TASK_DB_FILE), { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), 3);
    check.close();
  });

  it('upgrades a version 2 store: its tasks are owned by nobody, and listing by owner leaves them out', () => {
    const dir = freshDir();
    withStore(dir, (store) => {
      store.insert({ owner: OWNER, taskId: 'old', task: task('o'), placement: { worker: '', group: 'gpu', labels: {} }, submittedAtMs: 5 });
      store.finished('old', output('old result'), { resultEpoch: 1, finishedAtMs: 7 });
    });
    // What version 2 was: the same table without the owner column (and its index).
    const db = new Database(join(dir, TASK_DB_FILE));
    db.exec('DROP INDEX tasks_by_owner; DROP INDEX tasks_by_idempotency_key; ALTER TABLE tasks DROP COLUMN owner; ALTER TABLE tasks DROP COLUMN idempotency_key');
    db.pragma('user_version = 2');
    db.close();
    withStore(dir, (store) => {
      const old = store.get('old')!;
      assert.equal(old.owner, NO_OWNER);
      assert.deepEqual(old.placement, { worker: '', group: 'gpu', labels: {} });
      assert.deepEqual(old.result?.stdout.toString(), 'old result');
      store.insert({ owner: OWNER, taskId: 'mine', task: task('m'), placement: { worker: '', group: '', labels: {} }, submittedAtMs: 8 });
      store.finished('mine', output('mine'), { resultEpoch: 1, finishedAtMs: 9 });
      assert.deepEqual(store.recentFinished(10, OWNER).map((r) => r.taskId), ['mine']);
      assert.deepEqual(store.recentFinished(10, 'token:bob').map((r) => r.taskId), []);
      assert.deepEqual(store.recentFinished(10).map((r) => [r.taskId, r.owner]), [['mine', OWNER], ['old', NO_OWNER]]);
      assert.equal(old.idempotencyKey, '', 'the idempotency key column is added');
    });
    const check = new Database(join(dir, TASK_DB_FILE), { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), 3);
    check.close();
  });

  it('finds a task by its owner and idempotency key while it is retained', () => {
    withStore(IN_MEMORY, (store) => {
      const at = { worker: '', group: '', labels: {} };
      store.insert({ owner: OWNER, taskId: 'k1', task: task('a'), placement: at, submittedAtMs: 1, idempotencyKey: 'order-1' });
      store.insert({ owner: 'token:bob', taskId: 'k2', task: task('b'), placement: at, submittedAtMs: 2, idempotencyKey: 'order-1' });
      store.insert({ owner: OWNER, taskId: 'none', task: task('c'), placement: at, submittedAtMs: 3 });
      assert.deepEqual([store.taskWithKey(OWNER, 'order-1'), store.taskWithKey('token:bob', 'order-1')], ['k1', 'k2'], 'per owner');
      assert.equal(store.taskWithKey(OWNER, ''), undefined, 'no key finds nothing');
      assert.equal(store.get('k1')?.idempotencyKey, 'order-1');
      store.finished('k1', output('done'), { resultEpoch: 1, finishedAtMs: 5 });
      assert.equal(store.taskWithKey(OWNER, 'order-1'), 'k1', 'finished and retained');
      store.prune({ finishedBeforeMs: 5, maxEntries: 100, maxBytes: 1024 });
      assert.equal(store.taskWithKey(OWNER, 'order-1'), undefined, 'no longer retained: the key is free');
    });
  });

  it('keeps the owner and the encoded size of a task', () => {
    withStore(IN_MEMORY, (store) => {
      store.insert({ owner: 'cert:bob', taskId: 't', task: task('p'), placement: { worker: '', group: '', labels: {} }, submittedAtMs: 1 });
      const row = store.get('t')!;
      assert.equal(row.owner, 'cert:bob');
      assert.equal(row.taskBytes, Task.encode(task('p')).finish().length);
      assert.deepEqual(store.unfinished().map((r) => r.owner), ['cert:bob']);
    });
  });
});
