// Conformance, orchestrator side: a worker's half-close ends its stream at once. A stopping
// worker half-closes before it unregisters; an orchestrator that kept the call open made every
// worker shutdown wait its --rpc-timeout (found by the Python peer, #12).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { createChannel, createClient, Metadata, type Channel } from 'nice-grpc';
import { AgentServiceDefinition, type AgentServiceClient, type WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { startBin, waitUntil, type Proc } from '../support/processes.js';
import { AGENT_TOKEN_HEADER } from './scripted-orchestrator.js';

describe('conformance: the orchestrator ends a stream the worker half-closed', () => {
  let dir = '';
  let orchestrator: Proc;
  let channel: Channel;
  let client: AgentServiceClient;

  before(async () => {
    dir = await mkdtemp('/tmp/bo-end-');
    orchestrator = startBin('orchestrator', ['--listen', `unix://${dir}/o.sock`, '--data-dir', `${dir}/data`]);
    channel = createChannel(`unix://${dir}/o.sock`);
    client = createClient(AgentServiceDefinition, channel);
    await waitUntil(() => client.heartbeat({ agentId: 'nobody' }).then(() => true, () => false), 15_000, 'the orchestrator answers');
  });

  after(async () => {
    channel?.close();
    await orchestrator?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('[O16] after hello and a half-close, the call ends (OK) without waiting, and the worker stays registered', async () => {
    const registered = await client.register({ name: 'half-closer', hostname: 'h', protocolVersion: 2, capabilities: { toolTypes: ['file_read'], maxConcurrentTasks: 1, runtimes: ['runc'] } });
    const metadata = Metadata({ [AGENT_TOKEN_HEADER]: registered.resumeToken });
    async function* requests(): AsyncIterable<WorkerMessage> {
      yield { taskId: '', leaseEpoch: 0, event: { $case: 'hello', hello: { agentId: registered.agentId } } };
    }
    const started = Date.now();
    const received = [];
    for await (const message of client.taskStream(requests(), { metadata, signal: AbortSignal.timeout(20_000) })) received.push(message);
    const tookMs = Date.now() - started;
    assert.deepEqual(received, [], 'nothing to assign');
    assert.ok(tookMs < 5_000, `the call ended ${tookMs} ms after the half-close (a worker waits --rpc-timeout, 10 s, at most)`);
    const beat = await client.heartbeat({ agentId: registered.agentId }, { metadata });
    assert.equal(beat.known, true, 'still registered: only Unregister or the timeout removes it');
  });
});
