// Client authentication of TaskService (#11), with the real orchestrator over TCP+TLS and over a
// unix socket, configured by its own option parser, and real nice-grpc clients: tokens name the
// caller, a client reaches only its own tasks (another's id looks unknown), an admin every one.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientError, createClient, Metadata, Status, type Channel } from 'nice-grpc';
import { loadOrchestratorConfig } from '../../pkg/config/index.js';
import { AgentServiceDefinition, Task, TaskResult, TaskServiceDefinition, TaskState, type TaskServiceClient } from '../../pkg/gen/agent/v1/agent.js';
import { createOrchestrator, type Orchestrator } from '../../pkg/orchestrator/index.js';
import { openTaskStore } from '../../pkg/orchestrator/task-store.js';
import { bearerValue } from '../../pkg/rpc/client-token.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { silentLogger } from './harness.js';

const MiB = 1024 * 1024;
const HOME = '/nonexistent';
const TOKENS = { alice: 'alice-token-0123456789', bob: 'bob-token-0123456789ab', root: 'root-token-0123456789abc' };

const fileRead = (path: string): Task => Task.fromPartial({ toolType: 'file_read', mountSource: '/m', params: { $case: 'fileRead', fileRead: { path } } });

/** A worker that offers file_read but never opens its task stream: tasks wait in the queue. */
async function registerIdleWorker(channel: Channel): Promise<void> {
  await createClient(AgentServiceDefinition, channel).register({
    name: 'idle',
    hostname: 'h',
    pid: 1,
    version: 'v',
    labels: {},
    capabilities: { toolTypes: ['file_read'], maxConcurrentTasks: 1, runtimes: [] },
    agentId: '',
    bootId: 'b',
  });
}

async function statusOf(call: Promise<unknown>): Promise<ClientError> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ClientError, `a ClientError, got ${String(error)}`);
  return error;
}

describe('client tokens over TCP+TLS (real orchestrator, real clients)', () => {
  let certs: TestCertificates;
  let dir: string;
  let dataDir: string;
  let tokensFile: string;
  let orchestrator: Orchestrator;
  const channels: Channel[] = [];

  const channel = (): Channel => {
    const c = createGrpcChannel(orchestrator.address, {
      maxRecvMsgSize: MiB,
      maxSendMsgSize: MiB,
      tls: { caCert: readFileSync(certs.caCert) },
    });
    channels.push(c);
    return c;
  };
  /** A TaskService client sending `authorization` (a bearer token by default), or nothing. */
  const client = (token: string | undefined, raw?: string): TaskServiceClient =>
    createClient(
      TaskServiceDefinition,
      channel(),
      token === undefined && raw === undefined ? {} : { '*': { metadata: Metadata({ authorization: raw ?? bearerValue(token!) }) } },
    );

  const start = async (): Promise<void> => {
    const argv = ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--client-tokens', tokensFile];
    orchestrator = createOrchestrator(loadOrchestratorConfig({ argv, env: {}, homeDir: HOME }), silentLogger(), { closeGraceMs: 500 });
    await orchestrator.listen();
  };

  before(async () => {
    certs = makeTestCertificates();
    dir = mkdtempSync(join(tmpdir(), 'client-auth-'));
    dataDir = join(dir, 'data');
    tokensFile = join(dir, 'tokens.yaml');
    writeFileSync(
      tokensFile,
      [
        'clients:',
        `  - { name: alice, token: ${TOKENS.alice} }`,
        `  - { name: bob, token: ${TOKENS.bob}, role: client }`,
        `  - { name: root, tokenSha256: "${createHashHex(TOKENS.root)}", role: admin }`,
      ].join('\n'),
    );
    chmodSync(tokensFile, 0o600);
    // A task stored before owners were recorded (owner '': nobody), finished: only admins see it.
    const store = openTaskStore(dataDir);
    store.insert({ taskId: 'old-task', owner: '', task: fileRead('old'), placement: { worker: '', group: '', labels: {} }, submittedAtMs: Date.now() });
    const result = TaskResult.fromPartial({ state: TaskState.TASK_STATE_COMPLETED, stdout: Buffer.from('old secret'), worker: 'w', cause: 'COMPLETED', attempt: 1 });
    store.finished('old-task', result, { resultEpoch: 1, finishedAtMs: Date.now() });
    store.close();
    await start();
    await registerIdleWorker(channel());
  });
  after(async () => {
    for (const c of channels) c.close();
    await orchestrator.close();
    certs.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every TaskService call without a valid token fails UNAUTHENTICATED before any handler runs', async () => {
    for (const anonymous of [client(undefined), client(undefined, 'Bearer wrong-token-0123456789'), client(undefined, TOKENS.alice), client(undefined, 'Bearer ')]) {
      const calls: Promise<unknown>[] = [
        anonymous.listWorkers({}),
        anonymous.listTasks({ recentFinished: 10 }),
        anonymous.submitTask({ task: fileRead('x'), worker: '', group: '', labels: {} }),
        anonymous.getTask({ taskId: 'old-task' }),
        anonymous.cancelTask({ taskId: 'old-task', force: true }),
        (async () => {
          for await (const event of anonymous.runTask({ task: fileRead('x'), worker: '', group: '', labels: {} })) void event;
        })(),
      ];
      for (const call of calls) assert.equal((await statusOf(call)).code, Status.UNAUTHENTICATED);
    }
    // Nothing was submitted by them.
    assert.deepEqual((await client(TOKENS.root).listTasks({ recentFinished: 100 })).tasks.map((t) => t.taskId), ['old-task']);
  });

  it("a client sees, gets and cancels only its own tasks; another's id answers as an unknown one", async () => {
    const alice = client(TOKENS.alice);
    const bob = client(TOKENS.bob);
    const { taskId } = await alice.submitTask({ task: fileRead('a'), worker: '', group: '', labels: {} });
    assert.equal((await alice.getTask({ taskId })).state, TaskState.TASK_STATE_QUEUED);
    assert.deepEqual((await alice.listTasks({ recentFinished: 100 })).tasks.map((t) => t.taskId), [taskId]);

    const hidden = await statusOf(bob.getTask({ taskId }));
    const unknown = await statusOf(bob.getTask({ taskId: '00000000-0000-4000-8000-000000000000' }));
    assert.equal(hidden.code, Status.NOT_FOUND);
    assert.equal(hidden.details.replace(taskId, 'ID'), unknown.details.replace('00000000-0000-4000-8000-000000000000', 'ID'));
    assert.deepEqual(await bob.cancelTask({ taskId, force: true }), { found: false });
    assert.deepEqual((await bob.listTasks({ recentFinished: 100 })).tasks, []);
    assert.equal((await alice.getTask({ taskId })).state, TaskState.TASK_STATE_QUEUED, "bob's cancel changed nothing");

    // ListWorkers is the same for every authenticated client.
    assert.deepEqual((await bob.listWorkers({})).workers.map((w) => w.name), ['idle']);

    // The admin sees every task, those of nobody included, and may cancel any.
    const root = client(TOKENS.root);
    assert.deepEqual(new Set((await root.listTasks({ recentFinished: 100 })).tasks.map((t) => t.taskId)), new Set([taskId, 'old-task']));
    assert.deepEqual(await root.cancelTask({ taskId, force: false }), { found: true });
    const finished = await alice.getTask({ taskId });
    assert.equal(finished.state, TaskState.TASK_STATE_CANCELLED);
    assert.equal((await statusOf(bob.getTask({ taskId }))).code, Status.NOT_FOUND, 'a finished task stays hidden');
  });

  it('a task stored before owners were recorded is visible to admins only', async () => {
    assert.equal((await statusOf(client(TOKENS.alice).getTask({ taskId: 'old-task' }))).code, Status.NOT_FOUND);
    assert.deepEqual(await client(TOKENS.alice).cancelTask({ taskId: 'old-task', force: false }), { found: false });
    assert.equal((await client(TOKENS.root).getTask({ taskId: 'old-task' })).result?.stdout.toString(), 'old secret');
  });

  it('the owner is kept across a restart (stored with the task)', async () => {
    const { taskId } = await client(TOKENS.bob).submitTask({ task: fileRead('b'), worker: '', group: '', labels: {} });
    await orchestrator.close();
    await start();
    assert.equal((await client(TOKENS.bob).getTask({ taskId })).taskId, taskId);
    assert.equal((await statusOf(client(TOKENS.alice).getTask({ taskId }))).code, Status.NOT_FOUND);
    assert.deepEqual((await client(TOKENS.alice).listTasks({ recentFinished: 100 })).tasks.map((t) => t.taskId).includes(taskId), false);
  });
});

describe('client tokens on a unix socket', () => {
  it('with tokens configured, the socket\'s peers need one too', async () => {
    const dir = mkdtempSync('/tmp/ca-');
    const tokensFile = join(dir, 'tokens.yaml');
    writeFileSync(tokensFile, `clients: [{ name: alice, token: ${TOKENS.alice} }]\n`);
    chmodSync(tokensFile, 0o600);
    const argv = ['--listen', `unix://${join(dir, 'o.sock')}`, '--data-dir', ':memory:', '--client-tokens', tokensFile];
    const o = createOrchestrator(loadOrchestratorConfig({ argv, env: {}, homeDir: HOME }), silentLogger(), { closeGraceMs: 500 });
    await o.listen();
    const c = createGrpcChannel(o.address, { maxRecvMsgSize: MiB, maxSendMsgSize: MiB });
    try {
      assert.equal((await statusOf(createClient(TaskServiceDefinition, c).listTasks({ recentFinished: 1 }))).code, Status.UNAUTHENTICATED);
      const alice = createClient(TaskServiceDefinition, c, { '*': { metadata: Metadata({ authorization: bearerValue(TOKENS.alice) }) } });
      assert.deepEqual((await alice.listTasks({ recentFinished: 1 })).tasks, []);
    } finally {
      c.close();
      await o.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function createHashHex(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
