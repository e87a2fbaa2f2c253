import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TaskResult } from '../gen/agent/v1/agent.js';
import { ResultDelivery, type DeliveryLogger } from './result-delivery.js';
import { ResultSpool } from './result-spool.js';
import { makeOutcome } from './run-outcome.js';
import { WorkerMetrics } from './worker-metrics.js';

const MINUTE = 60_000;

function recordingLogger(): DeliveryLogger & { warnings: Array<{ message: string; meta?: Record<string, unknown> }> } {
  const warnings: Array<{ message: string; meta?: Record<string, unknown> }> = [];
  return { warnings, warn: (message, meta) => void warnings.push({ message, ...(meta ? { meta } : {}) }), error: () => undefined };
}

describe('ResultDelivery: bounds on unacknowledged results (a fake clock)', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'delivery-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('drops the oldest past the count, and those past the TTL, each with a warning and a count', async () => {
    let now = 0;
    const spool = new ResultSpool(join(dir, 'a'), 1 << 20, { limits: { maxCount: 2, maxBytes: 1 << 20, ttlMs: 10 * MINUTE }, now: () => now });
    await spool.load();
    const logger = recordingLogger();
    const metrics = new WorkerMetrics({ runningTasks: () => 0, queuedTasks: () => 0 }, { defaultMetrics: false });
    const delivery = new ResultDelivery({ spool, logger, metrics, workerName: 'w', session: () => undefined, isAssigned: () => false });
    const outcome = makeOutcome('COMPLETED', { exitCode: 0, durationMs: 1, runtime: 'runc' });
    for (const [i, taskId] of ['t1', 't2', 't3'].entries()) {
      now = i * MINUTE;
      await delivery.deliver({ taskId, leaseEpoch: i + 1, attempt: 1, output: undefined, session: undefined }, outcome);
    }
    assert.deepEqual(spool.leases(), [{ taskId: 't2', leaseEpoch: 2 }, { taskId: 't3', leaseEpoch: 3 }]);
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0]!.message, /result dropped/);
    assert.deepEqual(logger.warnings[0]!.meta, { taskId: 't1', leaseEpoch: 1, reason: 'count' });

    now = 11 * MINUTE + 1; // t2 (kept at 1 min) is past the TTL, t3 (2 min) is not
    const stop = new AbortController();
    const sweeping = delivery.run(stop.signal);
    stop.abort();
    await sweeping;
    assert.deepEqual(spool.leases(), [{ taskId: 't3', leaseEpoch: 3 }]);
    assert.deepEqual(logger.warnings[1]!.meta, { taskId: 't2', leaseEpoch: 2, reason: 'age' });
    const text = await metrics.text();
    assert.match(text, /baaaht_worker_results_dropped_total\{reason="count"\} 1/);
    assert.match(text, /baaaht_worker_results_dropped_total\{reason="age"\} 1/);
  });

  it('counts the output on disk against the byte bound, and the age of results from an earlier run by their files', async () => {
    let now = Date.now();
    const d = join(dir, 'b');
    const first = new ResultSpool(d, 0);
    await first.load();
    for (const taskId of ['old', 'new']) {
      const log = first.outputLog(taskId, 1);
      await log.append('stdout', Buffer.alloc(600));
      await first.add({ taskId, leaseEpoch: 1, event: { $case: 'completed', completed: TaskResult.fromPartial({ cause: 'COMPLETED', worker: 'w', attempt: 1 }) } }, log);
    }
    const spool = new ResultSpool(d, 0, { limits: { maxCount: 10, maxBytes: 1_000, ttlMs: 10 * MINUTE }, now: () => now });
    assert.equal(await spool.load(), 2);
    const over = spool.overLimits();
    assert.equal(over.length, 1, 'two results of 600+ bytes: one too many for 1000');
    assert.equal(over[0]!.reason, 'bytes');
    now += 11 * MINUTE;
    assert.deepEqual(spool.overLimits().map((r) => r.reason), ['age', 'age']);
  });

  it('a result the spool cannot keep (its disk refuses it) leaves no files of its task behind', async () => {
    const d = join(dir, 'c');
    const spool = new ResultSpool(d, 1 << 20, { outputMemoryBytes: 4 });
    await spool.load();
    const delivery = new ResultDelivery({ spool, logger: recordingLogger(), workerName: 'w', session: () => undefined, isAssigned: () => false });
    const output = spool.outputLog('t-full', 1);
    await output.append('stdout', Buffer.from('head+tail'));
    await mkdir(join(d, `${createHash('sha256').update('t-full').digest('hex')}.result.tmp`)); // the write of its result fails
    await delivery.deliver({ taskId: 't-full', leaseEpoch: 1, attempt: 1, output, session: undefined }, makeOutcome('COMPLETED', { exitCode: 0, durationMs: 1, runtime: 'runc' }));
    assert.equal(spool.has('t-full'), false);
    assert.deepEqual((await readdir(d)).filter((f) => !f.endsWith('.result.tmp')), [], 'its output log is gone');
  });
});
