import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { DISK_FULL_BYTES, DiskHealth, diskLevel, type DiskState } from './disk-health.js';

const MiB = 1024 * 1024;

describe('diskLevel', () => {
  const cases: Array<[free: number, min: number, level: ReturnType<typeof diskLevel>]> = [
    [100 * MiB, 64 * MiB, 'ok'],
    [64 * MiB, 64 * MiB, 'ok'],
    [64 * MiB - 1, 64 * MiB, 'low'],
    [DISK_FULL_BYTES, 64 * MiB, 'low'],
    [DISK_FULL_BYTES - 1, 64 * MiB, 'full'],
    [0, 0, 'full'],
    [2 * MiB, 0, 'ok'],
  ];
  for (const [free, min, level] of cases) {
    it(`${free} bytes free, --min-free-disk ${min}: ${level}`, () => assert.equal(diskLevel(free, min), level));
  }
});

describe('DiskHealth', () => {
  it('reports each change of level, says how low, and probes the audit log at every check', async () => {
    let free = 100 * MiB;
    let probes = 0;
    const changes: DiskState[] = [];
    const health = new DiskHealth({
      dir: '/w',
      minFreeBytes: 64 * MiB,
      freeBytes: async () => free,
      audit: { probe: async () => (probes++, true) },
      onChange: (state) => changes.push(state),
    });
    assert.equal((await health.check()).level, 'ok');
    free = 10 * MiB;
    assert.deepEqual(await health.check(), { level: 'low', freeBytes: 10 * MiB, detail: 'work dir /w is low on space: 10.0 MiB free, below --min-free-disk 64.0 MiB' });
    await health.check();
    free = 0;
    assert.equal((await health.check()).detail, 'work dir /w is full: 0.0 MiB free');
    free = 100 * MiB;
    await health.check();
    assert.deepEqual(changes.map((state) => state.level), ['low', 'full', 'ok']);
    assert.equal(probes, 5);
  });

  it('a work dir that cannot be checked counts as full', async () => {
    const health = new DiskHealth({ dir: '/w', minFreeBytes: 0, freeBytes: () => Promise.reject(new Error('ENOENT: gone')) });
    const state = await health.check();
    assert.equal(state.level, 'full');
    assert.match(state.detail, /work dir \/w cannot be checked: ENOENT: gone/);
  });

  it('checks a real directory with statfs, until its signal', async () => {
    const health = new DiskHealth({ dir: '/', minFreeBytes: 0, intervalMs: 10 });
    const stop = new AbortController();
    const running = health.run(stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    stop.abort();
    await running;
    assert.ok(health.state.freeBytes >= 0);
  });

  it('never keeps the process alive by itself (a worker made and never started or stopped)', async () => {
    const script = `import { DiskHealth } from ${JSON.stringify(new URL('./disk-health.ts', import.meta.url).pathname)};
void new DiskHealth({ dir: '/tmp', minFreeBytes: 0, intervalMs: 60_000 }).run(new AbortController().signal);`;
    const started = Date.now();
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 });
    assert.ok(Date.now() - started < 20_000, 'the process ended with the loop still running');
  });
});

