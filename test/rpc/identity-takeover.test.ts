// Nobody takes another worker's identity (#11): agent ids are public (ListWorkers), the resume
// token is not. A worker of the same group, with the same key, that registers (or heartbeats,
// unregisters, opens a TaskStream) as another worker's agent id is refused PERMISSION_DENIED,
// and the victim keeps its registration, its stream and its assignments.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientError, createClient, Metadata, Status } from 'nice-grpc';
import { AgentServiceDefinition, type OrchestratorMessage } from '../../pkg/gen/agent/v1/agent.js';
import { AGENT_TOKEN_METADATA } from '../../pkg/rpc/agent-token.js';
import { WORKER_KEY_METADATA } from '../../pkg/rpc/worker-key.js';
import { createFakeWorker, type FakeWorker } from './fake-worker.js';
import { startOrchestrator, type Harness } from './harness.js';

const KEY = 'one-key-for-the-whole-group-0123456789';

const write = (path: string, content: Buffer) => ({
  toolType: 'file_write',
  mountSource: '/tmp',
  writable: true,
  params: { $case: 'fileWrite' as const, fileWrite: { path, content } },
});

const denied = (error: unknown): boolean => error instanceof ClientError && error.code === Status.PERMISSION_DENIED;

function assignOf(message: OrchestratorMessage): { taskId: string; leaseEpoch: number } {
  if (message.command?.$case !== 'assign') throw new Error(`not an assignment: ${JSON.stringify(message)}`);
  return { taskId: message.taskId, leaseEpoch: message.command.assign.leaseEpoch };
}

describe('a worker cannot take another worker’s agent id', () => {
  let h: Harness;
  let victim: FakeWorker;
  let victimId: string;
  let firstTask: string;
  before(async () => {
    h = await startOrchestrator({ workerKey: KEY });
    victim = createFakeWorker(h.channel(), { name: 'victim', toolTypes: ['file_write'], maxConcurrentTasks: 4, workerKey: KEY });
    victimId = await victim.register();
    await victim.connect();
    const { taskId } = await h.tasks.submitTask({ task: write('first.txt', Buffer.from('first')) });
    firstTask = assignOf(await victim.nextCommand()).taskId;
    assert.equal(firstTask, taskId);
  });
  after(async () => {
    await h.close();
  });

  it('ListWorkers shows the agent id, never the resume token', async () => {
    assert.ok(victim.resumeToken.length >= 43, 'Register returned a token');
    const listed = (await h.tasks.listWorkers({})).workers;
    assert.equal(listed[0]?.agentId, victimId);
    const text = JSON.stringify(listed);
    assert.ok(!text.includes(victim.resumeToken));
    assert.doesNotMatch(text, /token/i);
  });

  it('Register with the victim’s agent id and no or a wrong token: PERMISSION_DENIED, nothing changes', async () => {
    const rogue = createFakeWorker(h.channel(), { name: 'rogue', toolTypes: ['file_write'], maxConcurrentTasks: 8, workerKey: KEY });
    const listedId = (await h.tasks.listWorkers({})).workers[0]!.agentId;
    await assert.rejects(rogue.register({ agentId: listedId, bootId: 'boot-victim' }), denied);
    await assert.rejects(rogue.register({ agentId: listedId, resumeToken: 'A'.repeat(43) }), denied);
    // Its own registration's token does not open another id either.
    await rogue.register();
    await assert.rejects(rogue.register({ agentId: listedId, resumeToken: rogue.resumeToken }), denied);

    const [info] = (await h.tasks.listWorkers({})).workers.filter((w) => w.agentId === victimId);
    assert.deepEqual([info?.name, info?.connected, info?.activeTaskIds, info?.capabilities?.maxConcurrentTasks], ['victim', true, [firstTask], 4]);
  });

  it('Heartbeat, Unregister and TaskStream about the victim’s id without its token: PERMISSION_DENIED', async () => {
    const raw = createClient(AgentServiceDefinition, h.channel(), { '*': { metadata: Metadata({ [WORKER_KEY_METADATA]: KEY }) } });
    const wrongToken = Metadata({ [WORKER_KEY_METADATA]: KEY, [AGENT_TOKEN_METADATA]: 'not-the-token' });
    for (const metadata of [undefined, wrongToken]) {
      const options = metadata ? { metadata } : {};
      await assert.rejects(raw.heartbeat({ agentId: victimId, leases: [{ taskId: firstTask, leaseEpoch: 1 }], draining: true }, options), denied);
      await assert.rejects(raw.unregister({ agentId: victimId, reason: 'taken over' }, options), denied);
      const stream = raw.taskStream(
        (async function* () {
          yield { taskId: '', leaseEpoch: 0, event: { $case: 'hello' as const, hello: { agentId: victimId } } };
          await new Promise((resolve) => setTimeout(resolve, 1000));
        })(),
        options,
      );
      await assert.rejects(
        (async () => {
          for await (const message of stream) assert.fail(`the rogue stream got ${JSON.stringify(message)}`);
        })(),
        denied,
      );
    }
    const [info] = (await h.tasks.listWorkers({})).workers.filter((w) => w.agentId === victimId);
    assert.deepEqual([info?.connected, info?.draining, info?.activeTaskIds], [true, false, [firstTask]], 'still registered, connected, not draining, with its lease');
  });

  it('the victim keeps its stream: new assignments (with their file contents) reach it and nobody else', async () => {
    const secret = Buffer.from('the file contents only the victim may see');
    const { taskId } = await h.tasks.submitTask({
      task: write('a.txt', secret),
      worker: victimId,
    });
    const assign = await victim.nextCommand();
    assert.equal(assignOf(assign).taskId, taskId);
    assert.deepEqual(assign.command?.$case === 'assign' ? assign.command.assign.task?.params : undefined, {
      $case: 'fileWrite',
      fileWrite: { path: 'a.txt', content: secret },
    });
    // And the victim itself still resumes with its token.
    assert.equal(await victim.register({ agentId: victimId }), victimId);
    assert.equal(victim.resumed, true);
    assert.equal(await victim.heartbeat(), true);
  });
});
