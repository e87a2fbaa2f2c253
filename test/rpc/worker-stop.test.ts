// #12 §1: a worker that stops with results not acknowledged keeps them in its spool for its next
// start, and does not register again. Before, closing its task stream on the way out ended the
// session, and the link, seeing results still waiting, registered again and resent them while
// the worker was shutting down. The orchestrator here is scripted in the test: it never
// acknowledges a result, and ends a stream when the worker half-closes it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ResultSpool } from '../../pkg/worker/index.js';
import { spoolResult, startScriptedPair, waitFor, type ScriptedPair } from './harness.js';

for (const how of ['shutdown', 'drain'] as const) {
  describe(`${how} with a result the orchestrator never acknowledges`, () => {
    let pair: ScriptedPair;

    before(async () => {
      pair = await startScriptedPair({
        prepare: (dir) => spoolResult(dir, 'unacked', { stdout: Buffer.from('kept\n') }),
        orchestrator: { register: () => ({ outputOffsets: true, protocolVersion: 2 }) },
        argv: ['--reconnect-interval', '50ms', '--rpc-timeout', '1s'],
      });
    });

    after(() => pair?.close());

    it('unregisters once, does not register again, and keeps the result for the next start', async () => {
      const { agent, orchestrator, dir } = pair;
      await waitFor(() => orchestrator.received.some((m) => m.taskId === 'unacked' && m.event?.$case === 'completed'), 10_000);
      await (how === 'shutdown' ? agent.shutdown('test stop') : agent.drain('test stop'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(orchestrator.registrations.length, 1, 'no registration while stopping');
      assert.deepEqual(orchestrator.unregistrations, ['test stop']);
      assert.equal(orchestrator.received.filter((m) => m.taskId === 'unacked' && m.event?.$case === 'completed').length, 1, 'not resent');
      assert.equal(await new ResultSpool(join(dir, 'results'), 0).load(), 1, 'in the spool for the next start');
    });
  });
}
