// #12 §1/§2, [O1] and [O4]: Register answers with the protocol version of the registration (the
// smaller of the orchestrator's, 2, and the worker's; a worker that sends 0 is older than the
// field and speaks 1) and with the orchestrator's own receive limit (--max-recv-msg-size), so
// that the worker never sends it a larger message. A scripted worker: a plain nice-grpc client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'nice-grpc';
import { AgentServiceDefinition, RegisterRequest, type AgentServiceClient } from '../../pkg/gen/agent/v1/agent.js';
import { MiB, startOrchestrator, type Harness } from './harness.js';

const RECEIVE_LIMIT = 3 * MiB + 17;

describe('Register: protocol version and receive limit', () => {
  let h: Harness;
  let agents: AgentServiceClient;
  before(async () => {
    h = await startOrchestrator({ maxRecvMsgSize: RECEIVE_LIMIT });
    agents = createClient(AgentServiceDefinition, h.channel());
  });
  after(async () => {
    await h.close();
  });

  const register = (name: string, fields: Partial<RegisterRequest>) =>
    agents.register(RegisterRequest.fromPartial({ name, bootId: `boot-${name}`, capabilities: { toolTypes: ['job'], maxConcurrentTasks: 1 }, ...fields }));

  for (const [advertised, expected] of [[0, 1], [1, 1], [2, 2], [3, 2], [1000, 2]] as const) {
    it(`a worker of version ${advertised} gets version ${expected}, output offsets and the orchestrator's receive limit`, async () => {
      const response = await register(`v${advertised}`, { protocolVersion: advertised, maxReceiveMessageBytes: 64 * 1024 });
      assert.equal(response.protocolVersion, expected);
      assert.equal(response.maxReceiveMessageBytes, RECEIVE_LIMIT);
      assert.equal(response.outputOffsets, true);
      assert.notEqual(response.agentId, '');
    });
  }

  it('a resumed registration answers the same', async () => {
    const first = await register('resumer', { protocolVersion: 2 });
    const again = await register('resumer', { protocolVersion: 2, agentId: first.agentId, resumeToken: first.resumeToken });
    assert.deepEqual([again.resumed, again.agentId, again.protocolVersion, again.maxReceiveMessageBytes], [true, first.agentId, 2, RECEIVE_LIMIT]);
  });
});
