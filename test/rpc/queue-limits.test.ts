// Queue limits (#11): the real orchestrator, configured by its own parser on a unix socket with
// client tokens, refuses submissions past --max-tasks-per-client, --max-queued-tasks and
// --max-queued-bytes with RESOURCE_EXHAUSTED naming the option, counts tasks restored after a
// restart, and admits again once tasks finish. An idle worker (registered, no task stream) keeps
// the tasks queued.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClientError, createClient, Metadata, Status, type Channel } from 'nice-grpc';
import { loadOrchestratorConfig } from '../../pkg/config/index.js';
import { AgentServiceDefinition, Task, TaskServiceDefinition, type TaskServiceClient } from '../../pkg/gen/agent/v1/agent.js';
import { createOrchestrator, type Orchestrator } from '../../pkg/orchestrator/index.js';
import { bearerValue } from '../../pkg/rpc/client-token.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { silentLogger } from './harness.js';

const MiB = 1024 * 1024;
const TOKENS = { alice: 'alice-token-0123456789', bob: 'bob-token-0123456789ab', carol: 'carol-token-0123456789', root: 'root-token-0123456789abc' };
type Name = keyof typeof TOKENS;

const small = (): Task => Task.fromPartial({ toolType: 'file_read', mountSource: '/m', params: { $case: 'fileRead', fileRead: { path: 'a' } } });
/** A task of an operator tool carrying `bytes` of parameter value. */
const big = (bytes: number): Task => Task.fromPartial({ toolType: 'big', params: { $case: 'custom', custom: { values: { blob: 'x'.repeat(bytes) } } } });

interface Running {
  readonly orchestrator: Orchestrator;
  client(name: Name): TaskServiceClient;
  close(): Promise<void>;
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real orchestrator on a unix socket in `dir` with the four clients' tokens and `flags`, and an idle worker. */
async function start(dir: string, flags: readonly string[]): Promise<Running> {
  const tokensFile = join(dir, 'tokens.yaml');
  writeFileSync(tokensFile, `clients:\n${Object.entries(TOKENS).map(([name, token]) => `  - { name: ${name}, token: ${token}, role: ${name === 'root' ? 'admin' : 'client'} }`).join('\n')}\n`);
  chmodSync(tokensFile, 0o600);
  const argv = ['--listen', `unix://${join(dir, 'o.sock')}`, '--data-dir', join(dir, 'data'), '--client-tokens', tokensFile, ...flags];
  const orchestrator = createOrchestrator(loadOrchestratorConfig({ argv, env: {}, homeDir: '/nonexistent' }), silentLogger(), { closeGraceMs: 500 });
  await orchestrator.listen();
  const channels: Channel[] = [];
  const channel = (): Channel => {
    const c = createGrpcChannel(orchestrator.address, { maxRecvMsgSize: 64 * MiB, maxSendMsgSize: 64 * MiB });
    channels.push(c);
    return c;
  };
  await createClient(AgentServiceDefinition, channel()).register({
    name: 'idle',
    hostname: 'h',
    pid: 1,
    version: 'v',
    labels: {},
    capabilities: { toolTypes: ['file_read', 'big'], maxConcurrentTasks: 1, runtimes: [] },
    agentId: '',
    bootId: 'b',
  });
  return {
    orchestrator,
    client: (name) => createClient(TaskServiceDefinition, channel(), { '*': { metadata: Metadata({ authorization: bearerValue(TOKENS[name]) }) } }),
    async close() {
      await orchestrator.close();
      for (const c of channels) c.close();
    },
  };
}

const submit = (client: TaskServiceClient, task: Task) => client.submitTask({ task, worker: '', group: '', labels: {} });

async function exhausted(call: Promise<unknown>, option: RegExp): Promise<void> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ClientError, `a ClientError, got ${String(error)}`);
  assert.equal(error.code, Status.RESOURCE_EXHAUSTED, error.message);
  assert.match(error.details, option);
}

const tempDir = (): string => {
  const dir = mkdtempSync('/tmp/ql-');
  dirs.push(dir);
  return dir;
};

describe('queue limits (real orchestrator)', () => {
  it('--max-tasks-per-client and --max-queued-tasks: past them RESOURCE_EXHAUSTED naming the option; room again after a task ends', async () => {
    const o = await start(tempDir(), ['--max-tasks-per-client', '2', '--max-queued-tasks', '4']);
    try {
      const alice = o.client('alice');
      const first = await submit(alice, small());
      await submit(alice, small());
      await exhausted(submit(alice, small()), /this client has 2 unfinished tasks.*\(--max-tasks-per-client 2\)/);
      // RunTask is refused the same way, before any event.
      await exhausted(
        (async () => {
          for await (const event of alice.runTask({ task: small(), worker: '', group: '', labels: {} })) void event;
        })(),
        /--max-tasks-per-client 2/,
      );
      // Another client has its own share, until the orchestrator's total is reached.
      await submit(o.client('bob'), small());
      await submit(o.client('bob'), small());
      await exhausted(submit(o.client('carol'), small()), /holds 4 unfinished tasks.*\(--max-queued-tasks 4\)/);
      // Refused submissions left nothing behind.
      assert.equal((await o.client('root').listTasks({ recentFinished: 0 })).tasks.length, 4);
      // A task that ends frees its place.
      assert.deepEqual(await alice.cancelTask({ taskId: first.taskId, force: false }), { found: true });
      await submit(o.client('carol'), small());
      await exhausted(submit(o.client('carol'), small()), /--max-queued-tasks 4/);
    } finally {
      await o.close();
    }
  });

  it('--max-queued-bytes: the encoded size of unfinished tasks is capped', async () => {
    const o = await start(tempDir(), ['--max-queued-bytes', '1MiB']);
    try {
      const alice = o.client('alice');
      const a = await submit(alice, big(400 * 1024));
      await submit(o.client('bob'), big(400 * 1024));
      await exhausted(submit(o.client('carol'), big(400 * 1024)), /this one \(\d+ bytes\) would pass the limit \(--max-queued-bytes 1048576\)/);
      await submit(o.client('carol'), big(100 * 1024)); // what fits still goes in
      await alice.cancelTask({ taskId: a.taskId, force: false });
      await submit(o.client('carol'), big(400 * 1024));
    } finally {
      await o.close();
    }
  });

  it('tasks restored after a restart count against the limits', async () => {
    const dir = tempDir();
    let o = await start(dir, ['--max-tasks-per-client', '2']);
    await submit(o.client('alice'), small());
    await submit(o.client('alice'), small());
    await o.close();
    o = await start(dir, ['--max-tasks-per-client', '2']);
    try {
      await exhausted(submit(o.client('alice'), small()), /this client has 2 unfinished tasks.*--max-tasks-per-client 2/);
    } finally {
      await o.close();
    }
  });
});
