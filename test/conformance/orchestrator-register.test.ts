// Conformance, orchestrator side: Register, worker keys, identity and heartbeats, checked on the
// real bin/orchestrator by workers scripted in the test (docs/protocol.md, §2 to §4).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createClient, Metadata, Status } from 'nice-grpc';
import { AgentServiceDefinition, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import {
  AGENT_TOKEN_HEADER,
  completed,
  eventually,
  follow,
  hello,
  openTaskStream,
  running,
  statusOf,
  streamStatus,
  toolTask,
  useOrchestrator,
  within,
  WORKER_KEY_HEADER,
} from './scripted-worker.js';

const MiB = 1024 * 1024;
const RECV_LIMIT = 6 * MiB;

describe('conformance: the orchestrator registers workers and knows who they are', { timeout: 120_000 }, () => {
  const orch = useOrchestrator(['--worker-timeout', '3s', '--max-recv-msg-size', String(RECV_LIMIT)]);

  const workerNamed = async (agentId: string) => (await orch.tasks.listWorkers({})).workers.find((w) => w.agentId === agentId);

  it('[O4] RegisterResponse carries the agent id, a resume token, output_offsets = true, its receive limit and a heartbeat interval within a third of its worker timeout', async () => {
    const first = orch.worker({ name: 'reg-first' });
    const second = orch.worker({ name: 'reg-second' });
    const a = await first.register();
    const b = await second.register();
    assert.match(a.agentId, /\S/);
    assert.notEqual(a.agentId, b.agentId, 'each registration its own agent id');
    for (const token of [a.resumeToken, b.resumeToken]) {
      assert.match(token, /^[A-Za-z0-9_-]+$/, 'base64url');
      assert.equal(Buffer.from(token, 'base64url').length, 32, '256 random bits');
    }
    assert.notEqual(a.resumeToken, b.resumeToken);
    assert.equal(a.resumed, false);
    assert.equal(a.outputOffsets, true);
    assert.equal(a.maxReceiveMessageBytes, RECV_LIMIT, 'its --max-recv-msg-size');
    assert.ok(a.heartbeatIntervalMs >= 100 && a.heartbeatIntervalMs <= 1000, `interval ${a.heartbeatIntervalMs} ms for a 3 s worker timeout`);
    const resumed = await first.register({ agentId: a.agentId, resumeToken: a.resumeToken });
    assert.deepEqual([resumed.agentId, resumed.resumed, resumed.resumeToken], [a.agentId, true, a.resumeToken], 'a resume keeps the id and its token');
    const listed = await orch.tasks.listWorkers({});
    assert.ok(listed.workers.some((w) => w.agentId === a.agentId), 'ListWorkers shows the agent id');
    assert.ok(!JSON.stringify(listed).includes(a.resumeToken), 'ListWorkers never shows the token');
  });

  it('[O1] the registration\'s protocol version is the smaller of the worker\'s and its own (2); 0 reads as version 1', async () => {
    for (const [sent, expected] of [[2, 2], [1, 1], [0, 1], [3, 2]] as const) {
      const w = orch.worker({ name: `version-${sent}` });
      const response = await w.register({ protocolVersion: sent });
      assert.equal(response.protocolVersion, expected, `a worker of version ${sent}`);
    }
  });

  it('[O3] Heartbeat, Unregister, TaskStream and Register about a registered agent id without its token fail PERMISSION_DENIED and change nothing', async () => {
    const victim = orch.worker({ name: 'victim', toolTypes: ['conf_victim'] });
    const intruder = orch.worker({ name: 'intruder' });
    await victim.register();
    await intruder.register();
    const leases: Array<{ taskId: string; leaseEpoch: number }> = [];
    victim.startHeartbeats(300, () => ({ leases: [...leases] }));
    const stream = victim.open();
    const run = follow(orch.tasks, toolTask({}, 'conf_victim'));
    const assignment = await stream.take('assign');
    leases.push({ taskId: assignment.taskId, leaseEpoch: assignment.command.assign.leaseEpoch });

    const raw = createClient(AgentServiceDefinition, orch.channel());
    for (const [label, token] of [['no token', undefined], ['another worker\'s token', intruder.token]] as const) {
      const metadata = Metadata(token === undefined ? {} : { [AGENT_TOKEN_HEADER]: token });
      const beat = raw.heartbeat({ agentId: victim.agentId, draining: true, healthy: false, healthDetail: 'forged', leases: [], activeTaskIds: [] }, { metadata });
      assert.equal(await statusOf(beat), Status.PERMISSION_DENIED, `Heartbeat with ${label}`);
      assert.equal(await statusOf(raw.unregister({ agentId: victim.agentId, reason: 'forged' }, { metadata })), Status.PERMISSION_DENIED, `Unregister with ${label}`);
      const refusedStream = openTaskStream(raw, hello(victim.agentId), metadata);
      assert.equal(await streamStatus(refusedStream), Status.PERMISSION_DENIED, `TaskStream with ${label}`);
      const takeover = intruder.client.register({
        name: 'taken-over',
        hostname: 'x',
        agentId: victim.agentId,
        resumeToken: token ?? '',
        bootId: 'boot-intruder',
        protocolVersion: 2,
        capabilities: { toolTypes: ['conf_victim'], maxConcurrentTasks: 1, runtimes: [] },
      });
      assert.equal(await statusOf(takeover), Status.PERMISSION_DENIED, `Register resuming it with ${label}`);
    }

    const listed = await workerNamed(victim.agentId);
    assert.equal(listed?.name, 'victim', 'still registered under its own name');
    assert.equal(listed?.draining, false, 'the forged heartbeat changed nothing');
    assert.equal(listed?.healthy, true);
    assert.equal(listed?.connected, true, 'its stream was not replaced');
    assert.deepEqual(listed?.activeTaskIds, [assignment.taskId], 'its lease is still its own');
    assert.equal(await victim.heartbeat(), true, 'its own token still works');
    // Its stream still carries its task: the result reaches the client.
    stream.send(running(assignment.taskId, 1));
    stream.send(completed(assignment.taskId, 1));
    const ack = await stream.take('ack', assignment.taskId);
    assert.deepEqual(ack.command.ack, { leaseEpoch: 1, accepted: true });
    const result = await within(run.result, 'the victim\'s result');
    assert.equal(result.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(result.worker, 'victim');
  });

  it('[O6] Heartbeat of an agent id it does not know answers known = false (and OK)', async () => {
    const raw = createClient(AgentServiceDefinition, orch.channel());
    const never = await raw.heartbeat({ agentId: 'agent-id-never-registered', healthy: true, leases: [], activeTaskIds: [] });
    assert.equal(never.known, false);
    const w = orch.worker({ name: 'leaving' });
    await w.register();
    assert.equal(await w.heartbeat(), true, 'known while registered');
    await w.unregister('done');
    assert.equal(await w.heartbeat(), false, 'unknown once it unregistered (with its old token)');
  });
});

describe('conformance: the orchestrator checks worker keys', { timeout: 60_000 }, () => {
  const SHARED = 'shared-worker-key-0123456789abcdef';
  const GPU = 'gpu-group-worker-key-0123456789abcdef';
  const dir = mkdtempSync(join(tmpdir(), 'baaaht-okeys-'));
  const keysFile = join(dir, 'group-keys.yaml');
  writeFileSync(keysFile, `gpu: "${GPU}"\n`, { mode: 0o600 });
  const orch = useOrchestrator(['--worker-key', SHARED, '--group-keys', keysFile]);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('[O2] Register without a known worker key fails UNAUTHENTICATED, with another group\'s key PERMISSION_DENIED; nothing is registered', async () => {
    const cases = [
      { name: 'no-key', group: '', key: undefined, status: Status.UNAUTHENTICATED },
      { name: 'unknown-key', group: '', key: 'not-a-configured-key-0123456789', status: Status.UNAUTHENTICATED },
      { name: 'shared-key-in-gpu', group: 'gpu', key: SHARED, status: Status.PERMISSION_DENIED },
      { name: 'gpu-key-in-default', group: '', key: GPU, status: Status.PERMISSION_DENIED },
    ];
    for (const c of cases) {
      const w = orch.worker({ name: c.name, group: c.group, ...(c.key === undefined ? {} : { workerKey: c.key }) });
      assert.equal(await statusOf(w.register()), c.status, c.name);
    }
    assert.deepEqual((await orch.tasks.listWorkers({})).workers, [], 'TaskService needs no worker key; nobody registered');
    const gpu = orch.worker({ name: 'gpu-worker', group: 'gpu', workerKey: GPU });
    const plain = orch.worker({ name: 'plain-worker', workerKey: SHARED });
    await gpu.register();
    await plain.register();
    assert.deepEqual((await orch.tasks.listWorkers({})).workers.map((w) => w.name).sort(), ['gpu-worker', 'plain-worker']);
  });

  it('[O2] Heartbeat, Unregister and TaskStream of a registered worker need its group\'s key as well', async () => {
    const w = orch.worker({ name: 'keyed-later', workerKey: SHARED });
    await w.register();
    const token = { [AGENT_TOKEN_HEADER]: w.token };
    for (const [key, status] of [[undefined, Status.UNAUTHENTICATED], [GPU, Status.PERMISSION_DENIED]] as const) {
      const metadata = Metadata({ ...token, ...(key === undefined ? {} : { [WORKER_KEY_HEADER]: key }) });
      const beat = w.client.heartbeat({ agentId: w.agentId, draining: true, healthy: true, leases: [], activeTaskIds: [] }, { metadata });
      assert.equal(await statusOf(beat), status, `Heartbeat with key ${String(key)}`);
      assert.equal(await statusOf(w.client.unregister({ agentId: w.agentId, reason: 'x' }, { metadata })), status, `Unregister with key ${String(key)}`);
      const refusedStream = openTaskStream(w.client, hello(w.agentId), metadata);
      assert.equal(await streamStatus(refusedStream), status, `TaskStream with key ${String(key)}`);
    }
    const listed = (await orch.tasks.listWorkers({})).workers.find((x) => x.agentId === w.agentId);
    assert.equal(listed?.draining, false, 'the refused heartbeats changed nothing');
    assert.equal(listed?.connected, false, 'no refused stream was taken');
    assert.equal(await w.heartbeat(), true, 'with its key it is heard');
    w.open();
    await eventually(async () => (await orch.tasks.listWorkers({})).workers.find((x) => x.agentId === w.agentId)?.connected, 'its stream with the key is taken');
  });
});
