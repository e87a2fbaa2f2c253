// Conformance, worker side: how a worker stops and how it reconnects, checked on the real
// bin/worker by orchestrators scripted in the test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, startScriptedOrchestrator } from './scripted-orchestrator.js';
import { about, assign, readTask, startConformanceWorker } from './conformance-worker.js';

describe('conformance: a worker stops once and reconnects with restraint', () => {
  it('[W6] stopping with a result not acknowledged, it unregisters once, never registers again, and resends the result at its next start', async () => {
    const orchestrator = await startScriptedOrchestrator();
    const workDir = `${orchestrator.dir}/work`;
    let worker = await startConformanceWorker(orchestrator, ['--work-dir', workDir]);
    try {
      await eventually(() => orchestrator.streams.length > 0, 30_000, 'the worker opened its stream');
      orchestrator.streams[0]!.send(assign('s-unacked', readTask(worker.workspace)));
      await eventually(() => about(orchestrator, 's-unacked', 'completed')[0], 30_000, 'completed');
      const registrations = orchestrator.registrations.length;
      await worker.stop('SIGTERM');
      assert.equal(orchestrator.unregisters.length, 1, 'one Unregister');
      assert.equal(orchestrator.registrations.length, registrations, 'no Register while stopping');
      const resentBefore = about(orchestrator, 's-unacked', 'completed').length;
      assert.equal(resentBefore, 1, 'not resent while stopping');

      worker = await startConformanceWorker(orchestrator, ['--work-dir', workDir]);
      await eventually(() => about(orchestrator, 's-unacked', 'completed').length > 1, 30_000, 'resent by the next start');
      assert.notEqual(orchestrator.registrations.at(-1)!.request.bootId, orchestrator.registrations[0]!.request.bootId, 'a new boot id');
    } finally {
      await worker.stop();
      await orchestrator.close();
    }
  });

  it('[W7] a registration whose stream fails at once does not reset the reconnect backoff', async () => {
    const orchestrator = await startScriptedOrchestrator();
    // Every stream fails as soon as its hello arrives.
    orchestrator.onMessage = (message, stream) => {
      if (message.event?.$case === 'hello') stream.fail();
    };
    const worker = await startConformanceWorker(orchestrator, ['--reconnect-interval', '100ms', '--reconnect-max-interval', '2s']);
    try {
      await eventually(() => orchestrator.registrations.length > 0, 30_000, 'a first registration');
      const start = orchestrator.registrations[0]!.at;
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const within = orchestrator.registrations.filter((r) => r.at - start <= 6_000).length;
      // Doubling from 100 ms to a 2 s cap: about 7 in 6 s (jitter aside); a reset after each
      // registration would make one every ~100 ms, 40 or more.
      assert.ok(within <= 12, `${within} registrations in 6 s`);
      assert.ok(within >= 3, `${within} registrations in 6 s: it does keep trying`);
    } finally {
      await worker.stop();
      await orchestrator.close();
    }
  });
});
