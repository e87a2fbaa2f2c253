import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiskState } from './disk-health.js';
import { workerHealth } from './worker-health.js';
import { workerReadiness } from './worker-readiness.js';

const low: DiskState = { level: 'low', freeBytes: 10, detail: 'work dir /w is low on space' };
const full: DiskState = { level: 'full', freeBytes: 0, detail: 'work dir /w is full' };
const ok: DiskState = { level: 'ok', freeBytes: 100, detail: '' };

describe('workerHealth (the heartbeat)', () => {
  it('is healthy with nothing wrong', () => {
    assert.deepEqual(workerHealth({ engine: { healthy: true, detail: '' }, disk: ok }), { healthy: true, detail: '', diskLow: false });
  });
  it('a low disk is healthy, reported with disk_low and its detail', () => {
    assert.deepEqual(workerHealth({ disk: low }), { healthy: true, detail: 'work dir /w is low on space', diskLow: true });
  });
  it('an unwritable audit log, a full disk and an engine down are unhealthy, every reason said', () => {
    assert.deepEqual(workerHealth({ engine: { healthy: false, detail: 'ECONNREFUSED' }, auditProblem: 'the audit log /w/audit.log cannot be written: ENOSPC', disk: full }), {
      healthy: false,
      detail: 'Docker engine unavailable: ECONNREFUSED; the audit log /w/audit.log cannot be written: ENOSPC; work dir /w is full',
      diskLow: true,
    });
  });
});

describe('workerReadiness', () => {
  const base = { state: 'RUNNING', connection: 'READY', engineHealthy: true, engineDetail: '' } as const;
  it('ready with nothing wrong', () => assert.deepEqual(workerReadiness({ ...base, disk: ok }), { ready: true }));
  it('ready with a warning when the disk is low', () => assert.deepEqual(workerReadiness({ ...base, disk: low }), { ready: true, warning: low.detail }));
  it('not ready when the disk is full', () => assert.deepEqual(workerReadiness({ ...base, disk: full }), { ready: false, reason: full.detail }));
  it('not ready while the audit log cannot be written', () => {
    assert.deepEqual(workerReadiness({ ...base, auditProblem: 'the audit log x cannot be written: ENOSPC' }), { ready: false, reason: 'the audit log x cannot be written: ENOSPC' });
  });
  it('the engine first', () => {
    assert.deepEqual(workerReadiness({ ...base, engineHealthy: false, engineDetail: 'down', auditProblem: 'x' }), { ready: false, reason: 'Docker engine unavailable: down' });
  });
});
