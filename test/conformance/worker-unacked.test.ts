// Conformance, worker side: results not yet acknowledged are bounded, checked on the real
// bin/worker by an orchestrator scripted in the test that never acknowledges anything.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, startScriptedOrchestrator } from './scripted-orchestrator.js';
import { about, assign, readTask, startConformanceWorker } from './conformance-worker.js';

describe('conformance: a worker bounds the results it keeps for an orchestrator that does not acknowledge', () => {
  it('[W20] past --max-unacked-results the oldest is dropped, logged and counted, and no longer leased', async () => {
    const orchestrator = await startScriptedOrchestrator();
    const worker = await startConformanceWorker(orchestrator, ['--max-unacked-results', '2', '--metrics-addr', '127.0.0.1:0']);
    try {
      await eventually(() => orchestrator.streams.length > 0, 30_000, 'the worker opened its stream');
      for (const id of ['u-1', 'u-2', 'u-3']) {
        orchestrator.streams[0]!.send(assign(id, readTask(worker.workspace)));
        await eventually(() => about(orchestrator, id, 'completed')[0], 30_000, `${id} completed`);
      }
      const after = Date.now();
      const beat = await eventually(() => orchestrator.heartbeats.find((b) => b.at > after), 5_000, 'a heartbeat after the third result');
      assert.deepEqual(beat.request.leases.map((l) => l.taskId).sort(), ['u-2', 'u-3'], 'the oldest is no longer kept');
      const log = await eventually(() => {
        const { stdout, stderr } = worker.proc.output();
        return (stdout + stderr).split('\n').find((line) => line.includes('u-1') && /drop/i.test(line));
      }, 5_000, 'a log line about the dropped result');
      assert.match(log, /count|max-unacked-results/i, log);
      const address = await eventually(() => /metrics[^\n]*?(127\.0\.0\.1:\d+)/.exec(worker.proc.output().stdout + worker.proc.output().stderr)?.[1], 5_000, 'the metrics address in the log');
      const metrics = await (await fetch(`http://${address}/metrics`)).text();
      assert.match(metrics, /baaaht_worker_results_dropped_total\{reason="count"\} 1\b/);
    } finally {
      await worker.stop();
      await orchestrator.close();
    }
  });
});
