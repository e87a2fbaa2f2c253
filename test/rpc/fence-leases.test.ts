// Results and leases are fenced by the worker that holds the lease (#11): with per-group keys, a
// worker of another group (or another worker of the same group) that names a task leased to
// someone else, with the right epoch, changes nothing: its running, output, result and heartbeat
// lease are dropped, the client sees only the holder's run, and the lease stays with the holder.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OutputStream, TaskState, type OrchestratorMessage } from '../../pkg/gen/agent/v1/agent.js';
import { createFakeWorker, type FakeWorker } from './fake-worker.js';
import { collect, startOrchestrator, type Harness } from './harness.js';

const DEFAULT_KEY = 'default-group-key-0123456789abcdef';
const GPU_KEY = 'gpu-group-key-fedcba9876543210';

function assignOf(message: OrchestratorMessage): { taskId: string; leaseEpoch: number } {
  if (message.command?.$case !== 'assign') throw new Error(`not an assignment: ${JSON.stringify(message)}`);
  return { taskId: message.taskId, leaseEpoch: message.command.assign.leaseEpoch };
}

/** Everything a worker can say about a task it does not hold, with the epoch the holder has. */
async function forge(rogue: FakeWorker, taskId: string, leaseEpoch: number): Promise<void> {
  rogue.send({ taskId, leaseEpoch, event: { $case: 'accepted', accepted: { queuePosition: 0 } } });
  rogue.send({ taskId, leaseEpoch, event: { $case: 'running', running: { containerId: 'forged', runtime: 'runc', profile: 'forged' } } });
  rogue.send({ taskId, leaseEpoch, event: { $case: 'output', output: { stream: OutputStream.OUTPUT_STREAM_STDOUT, data: Buffer.from('FORGED-RESULT'), offset: 0 } } });
  assert.equal(await rogue.heartbeat({ leases: [{ taskId, leaseEpoch }], activeTaskIds: [taskId] }), true);
  rogue.complete(taskId, { exitCode: 0, stdout: Buffer.from('FORGED-RESULT from the rogue'), outputIncluded: true, durationMs: 1 }, leaseEpoch);
  // Its stream is read in order: once the result is answered, everything before it was handled.
  assert.deepEqual(await rogue.nextAck(), { taskId, leaseEpoch, accepted: false }, 'the forged result is refused');
}

describe('leases are fenced by their holder (per-group keys)', () => {
  let h: Harness;
  let gpu: FakeWorker;
  let gpuPeer: FakeWorker;
  let rogue: FakeWorker;
  before(async () => {
    h = await startOrchestrator({ workerKey: DEFAULT_KEY, groupKeys: { gpu: GPU_KEY } });
    gpu = createFakeWorker(h.channel(), { name: 'gpu-1', toolTypes: ['job'], maxConcurrentTasks: 1, workerKey: GPU_KEY });
    // Same group, same key, but not the holder; busy with a task of its own so that it gets nothing new.
    gpuPeer = createFakeWorker(h.channel(), { name: 'gpu-2', toolTypes: ['other'], workerKey: GPU_KEY });
    rogue = createFakeWorker(h.channel(), { name: 'rogue', toolTypes: ['job'], workerKey: DEFAULT_KEY });
    await gpu.register({ group: 'gpu' });
    await gpuPeer.register({ group: 'gpu' });
    await rogue.register();
    await gpu.connect();
    await gpuPeer.connect();
    await rogue.connect();
  });
  after(async () => {
    await h.close();
  });

  for (const intruder of ['rogue (default group)', 'gpu-2 (same group)'] as const) {
    it(`${intruder}: forged running, output, result and heartbeat change nothing; the holder's run is the result`, async () => {
      const sender = intruder.startsWith('rogue') ? rogue : gpuPeer;
      const run = collect(h.tasks.runTask({ task: { toolType: 'job' }, group: 'gpu' }));
      const lease = assignOf(await gpu.nextCommand());

      await forge(sender, lease.taskId, lease.leaseEpoch);

      const { workers } = await h.tasks.listWorkers({});
      const active = Object.fromEntries(workers.map((w) => [w.name, w.activeTaskIds]));
      assert.deepEqual(active['gpu-1'], [lease.taskId], 'the lease stays with its holder');
      assert.deepEqual(active[sender === rogue ? 'rogue' : 'gpu-2'], [], 'the intruder claimed nothing');
      const view = await h.tasks.getTask({ taskId: lease.taskId });
      assert.deepEqual([view.state, view.worker, view.attempt], [TaskState.TASK_STATE_RUNNING, 'gpu-1', 1]);

      gpu.run(lease.taskId, { stdout: ['the real output'] });
      assert.deepEqual(await gpu.nextAck(), { taskId: lease.taskId, leaseEpoch: lease.leaseEpoch, accepted: true });
      const { result, events, stdout } = await run;
      assert.equal(result.worker, 'gpu-1');
      assert.equal(result.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(result.stdout.toString(), 'the real output');
      assert.equal(stdout, 'the real output', 'the client never saw the forged output');
      assert.doesNotMatch(JSON.stringify(events.map((e) => e.event?.$case === 'output' ? e.event.output.data.toString() : e)), /FORGED|forged/);
      const running = events.filter((e) => e.event?.$case === 'running');
      assert.equal(running.length, 1);
      assert.equal(running[0]?.event?.$case === 'running' ? running[0].event.running.containerId : '', `c-${lease.taskId.slice(0, 8)}`);
    });
  }
});
