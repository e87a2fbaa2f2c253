import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog, type AuditEntry } from './audit-log.js';

function entry(taskId: string, decision: AuditEntry['decision'] = 'allowed'): AuditEntry {
  return { time: '2025-01-01T00:00:00.000Z', taskId, decision, rule: 'caps', reason: 'limits within the caps', toolType: 'grep' };
}

describe('AuditLog', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baaaht-audit-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('writes one JSON object a line to a file created 0600', async () => {
    const path = join(dir, 'audit.jsonl');
    const log = new AuditLog(path);
    await log.append([entry('t1'), entry('t1', 'refused')]);
    await log.close();
    const lines = (await readFile(path, 'utf8')).split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((line) => JSON.parse(line) as unknown), [entry('t1'), entry('t1', 'refused')]);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('appends to an existing file, never truncates it', async () => {
    const path = join(dir, 'append.jsonl');
    for (const id of ['a', 'b']) {
      const log = new AuditLog(path);
      await log.append([entry(id)]);
      await log.close();
    }
    assert.deepEqual((await readFile(path, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as AuditEntry).taskId), ['a', 'b']);
  });

  it('serializes concurrent appends: batches stay whole and in order', async () => {
    const path = join(dir, 'concurrent.jsonl');
    const log = new AuditLog(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([entry(`t${i}`), entry(`t${i}`, 'clamped')])));
    await log.close();
    const ids = (await readFile(path, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as AuditEntry).taskId);
    assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => [`t${i}`, `t${i}`]).flat());
  });

  it('close waits for pending writes; appending after close fails', async () => {
    const path = join(dir, 'close.jsonl');
    const log = new AuditLog(path);
    const pending = log.append([entry('last')]);
    await log.close();
    await pending;
    assert.match(await readFile(path, 'utf8'), /"last"/);
    await assert.rejects(log.append([entry('late')]), /closed/);
  });

  it('a failed write rejects its own append and does not block later ones', async () => {
    const log = new AuditLog(join(dir, 'missing-dir', 'audit.jsonl'));
    await assert.rejects(log.append([entry('x')]));
    await assert.rejects(log.append([entry('y')]), /ENOENT/);
    await log.close();
  });

  it('an undefined path is a no-op', async () => {
    const log = new AuditLog(undefined);
    await log.append([entry('x')]);
    await log.close();
  });

  it('a write that fails is AUDIT_UNAVAILABLE and makes the log unavailable until a probe or write succeeds; the gap is recorded', async () => {
    const gone = join(dir, 'not-yet');
    const path = join(gone, 'audit.jsonl');
    const changes: Array<string | undefined> = [];
    const log = new AuditLog(path, { onChange: (problem) => changes.push(problem), now: () => new Date('2025-01-01T00:00:00.000Z') });
    assert.equal(log.problem, undefined);
    assert.equal(await log.probe(), true, 'nothing to probe while it works');
    await assert.rejects(log.append([entry('t1')]), (error: unknown) => (error as { code?: string }).code === 'AUDIT_UNAVAILABLE');
    assert.match(log.problem ?? '', /cannot be written: ENOENT/);
    assert.equal(await log.probe(), false);
    assert.equal(changes.length, 1, 'a change is reported once');
    await mkdir(gone);
    assert.equal(await log.probe(), true);
    assert.equal(log.problem, undefined);
    assert.deepEqual(changes.slice(1), [undefined]);
    await log.append([entry('t2')]);
    await log.close();
    const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
    const [gap, next] = lines.map((line) => JSON.parse(line) as AuditEntry);
    assert.equal(gap?.rule, 'audit-log');
    assert.equal(gap?.decision, 'refused');
    assert.match(gap?.reason ?? '', /could not be written from 2025-01-01T00:00:00.000Z/);
    assert.deepEqual(next, entry('t2'));
  });
});
