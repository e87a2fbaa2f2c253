// #12 §1: one result that cannot be delivered never holds back the others. Before, the worker
// resent its unacknowledged results in the same order after every reconnect, so one that killed
// the stream each time (here: an orchestrator that fails its stream on that result) kept every
// result behind it from being delivered, for ever. Now the one whose delivery failed goes
// behind the others, and after 5 failed deliveries it is dropped with a warning. The
// orchestrator is scripted in the test (harness.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ackOf, spoolResult, startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

describe('an unacknowledged result that kills the stream every time, ahead of two others', () => {
  let pair: ScriptedPair;
  const acked: string[] = [];
  let poisonDeliveries = 0;

  before(async () => {
    pair = await startScriptedPair({
      prepare: async (dir) => {
        for (const taskId of ['poison', 'good-1', 'good-2']) await spoolResult(dir, taskId, { stdout: Buffer.from(`${taskId}\n`) });
      },
      orchestrator: {
        register: () => ({ outputOffsets: true, protocolVersion: 2 }),
        onMessage: (message, stream) => {
          if (message.event?.$case !== 'completed') return;
          if (message.taskId === 'poison') {
            poisonDeliveries++;
            stream.fail('this orchestrator cannot take that result');
            return;
          }
          acked.push(message.taskId);
          stream.send(ackOf(message));
        },
      },
      argv: ['--reconnect-interval', '50ms', '--reconnect-max-interval', '400ms'],
    });
  });

  after(() => pair?.close());

  it('delivers the results behind it', async () => {
    await waitFor(() => acked.includes('good-1') && acked.includes('good-2'), 10_000);
  });

  it('drops it after 5 failed deliveries, and stops reconnecting for it', async () => {
    const { agent, orchestrator } = pair;
    await waitFor(() => agent.unacknowledgedResults === 0, 15_000);
    assert.equal(poisonDeliveries, 5);
    await waitFor(() => agent.connectionState === 'READY', 5_000); // the stream it failed on the last time is replaced
    const registrations = orchestrator.registrations.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(orchestrator.registrations.length, registrations, 'the last stream holds');
  });
});
