// The worker key: AgentService calls must carry it; clients' TaskService calls need not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientError, createClient, Metadata, Status } from 'nice-grpc';
import { AgentServiceDefinition } from '../../pkg/gen/agent/v1/agent.js';
import { WORKER_KEY_METADATA } from '../../pkg/rpc/worker-key.js';
import { startOrchestrator, type Harness } from './harness.js';

const KEY = 'correct horse battery staple';

describe('worker key', () => {
  let h: Harness;
  before(async () => {
    h = await startOrchestrator({ workerKey: KEY });
  });
  after(async () => {
    await h.close();
  });

  const register = (metadata?: Metadata) =>
    createClient(AgentServiceDefinition, h.channel()).register(
      { name: 'keyed', hostname: 'h', pid: 1, version: 'v', labels: {}, capabilities: { toolTypes: ['file_read'], maxConcurrentTasks: 1, runtimes: [] }, agentId: '', bootId: 'b' },
      metadata ? { metadata } : {},
    );

  for (const [name, metadata] of [
    ['no key', undefined],
    ['a wrong key', Metadata({ [WORKER_KEY_METADATA]: 'not the key at all, sorry' })],
    ['the key with a different case', Metadata({ [WORKER_KEY_METADATA]: KEY.toUpperCase() })],
  ] as const) {
    it(`refuses a worker with ${name}: UNAUTHENTICATED, nothing registered`, async () => {
      await assert.rejects(register(metadata), (error: unknown) => error instanceof ClientError && error.code === Status.UNAUTHENTICATED);
      assert.deepEqual((await h.tasks.listWorkers({})).workers, []);
    });
  }

  it('registers a worker with the key', async () => {
    const { agentId } = await register(Metadata({ [WORKER_KEY_METADATA]: KEY }));
    assert.ok(agentId);
    assert.deepEqual((await h.tasks.listWorkers({})).workers.map((w) => w.name), ['keyed']);
  });
});
