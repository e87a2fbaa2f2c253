// #12 §1: an assignment whose task id is empty cannot be answered (a result is addressed by its
// task id; an empty WorkerMessage.task_id is the stream's hello). Before, the worker answered it
// with a FAILED result whose task id was empty. Now it drops it (nothing run, nothing sent) and
// goes on serving the stream. The orchestrator here is scripted in the test: a plain nice-grpc
// AgentService on a temporary Unix socket, as a third party's orchestrator would be.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'nice-grpc';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { AgentServiceDefinition, Task, type OrchestratorMessage, type WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { type TaskExecutor, type WorkerAgent } from '../../pkg/worker/index.js';
import { makeOutcome } from '../../pkg/worker/run-outcome.js';
import { waitFor, testWorkerAgent } from './harness.js';

const read = (path: string) => Task.fromPartial({ toolType: 'file_read', params: { $case: 'fileRead', fileRead: { path } } });
const assign = (taskId: string, leaseEpoch = 1): OrchestratorMessage => ({ taskId, command: { $case: 'assign', assign: { task: read('a.txt'), leaseEpoch, attempt: 1 } } });

describe('assignments without a usable task id (scripted orchestrator, real WorkerAgent)', () => {
  let dir = '';
  let server: Server;
  let agent: WorkerAgent;
  const received: WorkerMessage[] = [];
  const ran: string[] = [];
  let endStream: () => void = () => undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baaaht-taskid-'));
    const socket = join(dir, 'o.sock');
    const streamEnded = new Promise<void>((resolve) => (endStream = resolve));
    server = createServer();
    server.add(AgentServiceDefinition, {
      register: async () => ({ agentId: 'agent-1', heartbeatIntervalMs: 1000, resumed: false, outputOffsets: true, resumeToken: 'token-of-agent-1' }),
      unregister: async () => ({}),
      heartbeat: async () => ({ known: true }),
      async *taskStream(requests) {
        void (async () => {
          for await (const message of requests) received.push(message);
        })().catch(() => undefined);
        await waitFor(() => received.some((m) => m.event?.$case === 'hello'), 10_000);
        yield assign('');
        yield assign('\u001b[2Jforged');
        yield assign('task-ok');
        await streamEnded;
      },
    });
    await server.listen(`unix://${socket}`);
    const config = loadWorkerConfig({
      argv: ['--orchestrator-addr', `unix://${socket}`, '--name', 'taskid-worker', '--work-dir', join(dir, 'work'), '--heartbeat-interval', '1s'],
      env: {},
      homeDir: '/nonexistent',
      hostname: 'h',
    });
    const executor = {
      activeTaskIds: [] as string[],
      async run(taskId: string) {
        ran.push(taskId);
        return makeOutcome('COMPLETED', { durationMs: 1, runtime: 'runc', exitCode: 0 });
      },
      cancelTask: () => false,
      abort: () => false,
    };
    agent = testWorkerAgent(config, executor as unknown as TaskExecutor, dir);
    void agent.start().catch(() => undefined);
  });

  after(async () => {
    endStream();
    await agent?.shutdown('test over');
    server?.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops them (nothing run, nothing sent) and serves the next assignment', async () => {
    const done = await waitFor(() => received.find((m) => m.taskId === 'task-ok' && m.event?.$case === 'completed'), 15_000);
    assert.equal(done.event?.$case === 'completed' && done.event.completed.exitCode, 0);
    assert.deepEqual(ran, ['task-ok']);
    const unaddressed = received.filter((m) => m.event?.$case !== 'hello' && m.taskId !== 'task-ok');
    assert.deepEqual(unaddressed.map((m) => [m.taskId, m.event?.$case]), []);
  });
});
