// The real worker against an orchestrator that requires a worker key.
import assert from 'node:assert/strict';
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createWorker, type WorkerParts } from '../../pkg/worker/index.js';
import { silentLogger, startOrchestrator, waitFor, type Harness } from '../rpc/harness.js';

const KEY = 'a-shared-secret-of-some-length';

describe('worker key (real worker)', () => {
  let h: Harness;
  let dir: string;
  const workers: WorkerParts[] = [];
  before(async () => {
    h = await startOrchestrator({ workerKey: KEY });
    dir = await mkdtemp(join(tmpdir(), 'baaaht-key-'));
  });
  after(async () => {
    for (const w of workers) await w.agent.shutdown('test over');
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (name: string, key?: string): Promise<WorkerParts> => {
    const argv = ['--orchestrator-addr', h.address, '--name', name, '--work-dir', join(dir, name), '--reconnect-interval', '100ms', '--reconnect-max-interval', '200ms'];
    const config = loadWorkerConfig({ argv: key ? [...argv, '--worker-key', key] : argv, env: TEST_WORKER_ENV, homeDir: '/nonexistent', hostname: 'k' });
    const w = await createWorker(config, silentLogger(), { tools: createBuiltinToolRegistry(config.tools), version: 't', hostname: 'k' });
    workers.push(w);
    void w.agent.start().catch(() => undefined);
    return w;
  };

  it('a worker with the key registers; one without keeps being refused and never registers', async () => {
    const keyed = await start('keyed', KEY);
    const keyless = await start('keyless');
    await waitFor(() => keyed.agent.connectionState === 'READY', 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.notEqual(keyless.agent.connectionState, 'READY');
    assert.equal(keyless.agent.agentId, undefined);
    assert.deepEqual((await h.tasks.listWorkers({})).workers.map((w) => w.name), ['keyed']);
  });

  it('a short key is a configuration error naming the option', () => {
    assert.throws(
      () => loadWorkerConfig({ argv: ['--worker-key', 'short'], env: {}, homeDir: '/nonexistent', hostname: 'k' }),
      /--worker-key/,
    );
  });
});
