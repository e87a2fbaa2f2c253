// The real WorkerAgent keeps the resume token Register gave it (#11) and proves with it who it
// is: after a dropped connection it resumes its agent id (its lease and result stay its own),
// and after an orchestrator restart it registers anew and claims its stored lease back, while a
// worker that presents its old agent id without the token claims nothing and its result is refused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { TaskState, type Task } from '../../pkg/gen/agent/v1/agent.js';
import { type TaskExecutor, type WorkerAgent } from '../../pkg/worker/index.js';
import { makeOutcome, type TaskProgress, type RunOutcome } from '../../pkg/worker/run-outcome.js';
import { createFakeWorker } from './fake-worker.js';
import { collect, startOrchestrator, waitFor, type Harness, testWorkerAgent } from './harness.js';

/** A Unix-socket relay to the orchestrator whose connections the test can cut, and hold off. */
interface Relay {
  readonly address: string;
  /** Ends every relayed connection and refuses new ones until resume(). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

async function startRelay(dir: string, target: string): Promise<Relay> {
  const path = join(dir, 'relay.sock');
  const open = new Set<Socket>();
  let paused = false;
  const server: Server = createServer((client) => {
    if (paused) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    open.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end).pipe(upstream);
    upstream.on('error', end).on('close', end).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    address: `unix://${path}`,
    pause() {
      paused = true;
      for (const socket of open) socket.destroy();
    },
    resume() {
      paused = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An executor whose tasks run until the test releases them (the agent's link is what is under test). */
function gatedExecutor() {
  const gates = new Map<string, (stdout: string) => void>();
  const executor = {
    get activeTaskIds() {
      return [...gates.keys()];
    },
    async run(taskId: string, _task: Task, options: { onProgress?: (event: TaskProgress) => void | Promise<void> } = {}): Promise<RunOutcome> {
      const stdout = await new Promise<string>((resolve) => {
        gates.set(taskId, resolve);
        void options.onProgress?.({ type: 'running', containerId: `c-${taskId.slice(0, 8)}`, runtime: 'runc', profile: 'test' });
      });
      gates.delete(taskId);
      await options.onProgress?.({ type: 'output', stream: 'stdout', data: Buffer.from(stdout) });
      return makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
    },
    cancel: () => false,
    abort: () => false,
  };
  return {
    executor: executor as unknown as TaskExecutor,
    running: (taskId: string) => gates.has(taskId),
    release(taskId: string, stdout: string) {
      const gate = gates.get(taskId);
      if (!gate) throw new Error(`task ${taskId} is not running`);
      gate(stdout);
    },
  };
}

describe('the real WorkerAgent proves its identity with its resume token', () => {
  let h: Harness;
  let dir: string;
  let relay: Relay;
  let agent: WorkerAgent;
  const gated = gatedExecutor();
  const states: string[] = [];
  before(async () => {
    dir = await mkdtemp('/tmp/bir-');
    h = await startOrchestrator({ dataDir: join(dir, 'data'), workerTimeoutMs: 10_000 });
    relay = await startRelay(dir, h.socketPath);
    const config = loadWorkerConfig({
      argv: [
        '--orchestrator-addr', relay.address, '--name', 'resumer', '--work-dir', join(dir, 'work'),
        '--heartbeat-interval', '100ms', '--reconnect-interval', '50ms', '--reconnect-max-interval', '200ms',
      ],
      env: {},
      homeDir: '/nonexistent',
      hostname: 'h',
    });
    agent = testWorkerAgent(config, gated.executor, dir);
    agent.onConnectionStateChange((state) => states.push(state));
    void agent.start().catch(() => undefined);
    await waitFor(() => agent.connectionState === 'READY', 10_000);
  });
  after(async () => {
    relay.resume();
    await agent.shutdown('test over');
    await relay.close();
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  const read = (path: string): Task => ({ toolType: 'file_read', mountSource: '/tmp', writable: false, timeoutMs: 0, sessionId: '', params: { $case: 'fileRead', fileRead: { path } } });
  const worker = async (name: string) => (await h.tasks.listWorkers({})).workers.find((w) => w.name === name);

  it('after a dropped connection it resumes the same agent id; its lease and result stay its own', { timeout: 20_000 }, async () => {
    const agentId = agent.agentId;
    const run = collect(h.tasks.runTask({ task: read('a'), worker: '', group: '', labels: {} }));
    const taskId = await waitFor(async () => (await worker('resumer'))?.activeTaskIds[0]);
    await waitFor(() => gated.running(taskId));

    states.length = 0;
    relay.pause();
    await waitFor(() => states.includes('TRANSIENT_FAILURE'), 10_000);
    relay.resume();
    await waitFor(() => agent.connectionState === 'READY', 10_000);
    assert.equal(agent.agentId, agentId, 'the same agent id, resumed with its token');
    const info = await worker('resumer');
    assert.deepEqual([info?.agentId, info?.connected, info?.activeTaskIds], [agentId, true, [taskId]]);

    gated.release(taskId, 'after the drop');
    const { result } = await run;
    assert.deepEqual([result.state, result.stdout.toString(), result.worker, result.attempt], [TaskState.TASK_STATE_COMPLETED, 'after the drop', 'resumer', 1]);
  });

  it('after an orchestrator restart it claims its lease back; an impostor with its old agent id cannot', { timeout: 30_000 }, async () => {
    const oldId = agent.agentId!;
    const { taskId } = await h.tasks.submitTask({ task: read('b'), worker: '', group: '', labels: {} });
    await waitFor(() => gated.running(taskId));
    const leaseEpoch = 1;

    relay.pause();
    await h.restart();
    // The impostor got the agent id from ListWorkers before the restart; it has no token.
    const impostor = createFakeWorker(h.channel(), { name: 'impostor', toolTypes: ['file_read'] });
    assert.notEqual(await impostor.register({ agentId: oldId }), oldId);
    await impostor.connect();
    assert.equal(await impostor.heartbeat({ leases: [{ taskId, leaseEpoch }], activeTaskIds: [taskId] }), true);
    impostor.complete(taskId, { exitCode: 0, stdout: Buffer.from('FORGED-RESULT'), outputIncluded: true }, leaseEpoch);
    assert.deepEqual(await impostor.nextAck(), { taskId, leaseEpoch, accepted: false });
    assert.deepEqual((await worker('impostor'))?.activeTaskIds, []);
    assert.equal((await h.tasks.getTask({ taskId })).state, TaskState.TASK_STATE_RUNNING);

    relay.resume();
    const info = await waitFor(async () => {
      const w = await worker('resumer');
      return w?.activeTaskIds.includes(taskId) ? w : undefined;
    }, 10_000);
    assert.notEqual(info.agentId, oldId, 'registered anew (the restarted orchestrator did not know its id)');
    assert.equal(agent.agentId, info.agentId);

    gated.release(taskId, 'after the restart');
    const result = await waitFor(async () => (await h.tasks.getTask({ taskId })).result, 10_000);
    assert.deepEqual([result.state, result.stdout.toString(), result.worker, result.attempt], [TaskState.TASK_STATE_COMPLETED, 'after the restart', 'resumer', 1]);
  });
});
