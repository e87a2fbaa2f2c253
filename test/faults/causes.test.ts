// Every way a task can end, each produced for real (orchestrator → worker → container, or the
// library executor where no orchestrator is involved), with its state, cause and retryable flag.
import assert from 'node:assert/strict';
import { TEST_MOUNT_ROOT_LIST, TEST_WORKER_ENV } from '../support/mount-roots.js';
import { MountPinner } from '../../pkg/mounts/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { Task, TaskState, type TaskEvent, type TaskResult } from '../../pkg/gen/agent/v1/agent.js';
import { createExecutor, defaultWorkerConfig } from '../../pkg/index.js';
import { createBuiltinToolRegistry, defineCustomTool } from '../../pkg/tools/index.js';
import { DockerEngine } from '../../pkg/runtime/index.js';
import { createExecutorFor, createWorker, type WorkerParts } from '../../pkg/worker/index.js';
import { makeWorkspace, managedContainers } from '../support/docker-fixtures.js';
import { ROOT } from '../support/examples.js';
import { collect, silentLogger, startOrchestrator, type Harness } from '../rpc/harness.js';

const CAP = 1024 * 1024;

describe('every way a task can end, named (real containers)', () => {
  let h: Harness;
  let worker: WorkerParts;
  let workDir: string;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;

  before(async () => {
    ws = await makeWorkspace({ 'a.txt': 'a\n' });
    workDir = await mkdtemp(join(tmpdir(), 'baaaht-causes-'));
    h = await startOrchestrator({ maxAttempts: 1, dataDir: ':memory:' });
    const config = loadWorkerConfig({
      argv: [
        '--orchestrator-addr', h.address,
        '--name', 'causes-worker',
        '--config', join(ROOT, 'test/fixtures/fault-tools.yaml'),
        '--output-cap', String(CAP),
        '--shutdown-timeout', '1s',
        '--cancel-grace', '1s',
        '--heartbeat-interval', '1s',
        '--work-dir', workDir,
      ],
      env: TEST_WORKER_ENV,
      homeDir: '/nonexistent',
      hostname: 'causes',
    });
    worker = await createWorker(config, silentLogger(), { tools: createBuiltinToolRegistry(config.tools), version: 'test', hostname: 'causes' });
    await worker.agent.start();
  });

  after(async () => {
    await worker?.agent.shutdown('tests done');
    await h?.close();
    await ws?.cleanup();
    await rm(workDir, { recursive: true, force: true });
  });

  const custom = (toolType: string, values: Record<string, string> = {}, extra: Partial<Parameters<typeof Task.fromPartial>[0]> = {}) =>
    Task.fromPartial({ toolType, params: { $case: 'custom', custom: { values } }, ...extra });
  const run = async (task: Task): Promise<TaskResult> => (await collect(h.tasks.runTask({ task }))).result;
  const expectCause = (r: TaskResult, state: TaskState, cause: string, retryable: boolean): void => {
    assert.equal(TaskState[r.state], TaskState[state], JSON.stringify(r.error));
    assert.equal(r.cause, cause);
    assert.equal(r.retryable, retryable);
  };

  it('completed', async () => {
    const r = await run(Task.fromPartial({ toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead', fileRead: { path: 'a.txt' } } }));
    expectCause(r, TaskState.TASK_STATE_COMPLETED, 'COMPLETED', false);
  });

  it('non-zero exit', async () => {
    const r = await run(custom('exit_with', { code: '3' }));
    expectCause(r, TaskState.TASK_STATE_COMPLETED, 'NON_ZERO_EXIT', false);
    assert.equal(r.exitCode, 3);
    assert.equal(r.stdout.toString(), 'out\n');
    assert.equal(r.stderr.toString(), 'err\n');
  });

  it('timeout: sleep 1000 is killed at the task timeout', async () => {
    const r = await run(custom('sleeper', { seconds: '1000' }, { timeoutMs: 1500 }));
    expectCause(r, TaskState.TASK_STATE_TIMEOUT, 'TOOL_TIMEOUT', false);
    assert.equal(r.exitCode, 137);
  });

  it('out of memory: the engine OOM-killed it', async () => {
    const r = await run(custom('memory_bomb'));
    expectCause(r, TaskState.TASK_STATE_FAILED, 'OUT_OF_MEMORY', false);
    assert.match(r.error?.message ?? '', /out of memory/);
  });

  it('PID limit: a fork bomb stops at the limit and says so', async () => {
    const r = await run(custom('fork_bomb'));
    expectCause(r, TaskState.TASK_STATE_FAILED, 'PID_LIMIT', false);
  });

  it('output truncated', async () => {
    const r = await run(custom('flood', { bytes: String(3 * CAP) }));
    expectCause(r, TaskState.TASK_STATE_COMPLETED, 'OUTPUT_TRUNCATED', false);
    assert.equal(r.stdout.length, CAP);
    assert.equal(r.stdoutTruncated, true);
  });

  it('cancelled during an output flood: stops at once, container gone', async () => {
    const events: TaskEvent[] = [];
    let cancelledAt = 0;
    for await (const event of h.tasks.runTask({ task: custom('flood', { bytes: String(50 * 1024 * 1024 * 1024) }) })) {
      events.push(event);
      if (event.event?.$case === 'output' && !cancelledAt) {
        cancelledAt = Date.now();
        await h.tasks.cancelTask({ taskId: event.taskId, force: false });
      }
    }
    const last = events.at(-1);
    assert.equal(last?.event?.$case, 'result');
    if (last?.event?.$case !== 'result') return;
    expectCause(last.event.result, TaskState.TASK_STATE_CANCELLED, 'CANCELLED', false);
    assert.ok(Date.now() - cancelledAt < 10_000);
    assert.deepEqual(await managedContainers(last.taskId), []);
  });

  it('policy denied', async () => {
    const r = await run(Task.fromPartial({ toolType: 'list', mountSource: '/', params: { $case: 'list', list: { path: '' } } }));
    expectCause(r, TaskState.TASK_STATE_FAILED, 'POLICY_DENIED', false);
  });

  it('image missing (library executor, a tool whose image is not built)', async () => {
    const tools = createBuiltinToolRegistry(defaultWorkerConfig().tools);
    tools.register(defineCustomTool({ type: 'ghost', description: 'no image', image: 'baaaht/ghost:0', argv: () => ['true'] }));
    const executor = await createExecutor({ tools });
    const r = await executor.executeTask({ toolType: 'ghost', params: {} });
    assert.equal(r.state, 'FAILED');
    assert.equal(r.cause, 'IMAGE_MISSING');
    assert.equal(r.retryable, false);
    assert.match(r.error?.message ?? '', /baaaht\/ghost:0.*make images/);
  });

  it('engine unavailable: a task on an engine that does not answer fails retryable', async () => {
    const config = defaultWorkerConfig({ dockerSocket: join(workDir, 'no-engine.sock') });
    const executor = createExecutorFor(config, new DockerEngine(config.dockerSocket), createBuiltinToolRegistry(config.tools), 'runc', undefined, {
      mountRoots: TEST_MOUNT_ROOT_LIST,
      pinner: await MountPinner.create(join(workDir, 'pins')),
    });
    const r = await executor.run('engine-down', Task.fromPartial({ toolType: 'list', mountSource: ws.dir, params: { $case: 'list', list: { path: '' } } }));
    assert.equal(r.state, 'FAILED');
    assert.equal(r.cause, 'ENGINE_UNAVAILABLE');
    assert.equal(r.retryable, true);
  });

  it('worker shutting down: a running task is stopped after the shutdown timeout and reported', async () => {
    const events: TaskEvent[] = [];
    let shutdown: Promise<void> | undefined;
    for await (const event of h.tasks.runTask({ task: custom('sleeper', { seconds: '60' }) })) {
      events.push(event);
      if (event.event?.$case === 'running') shutdown ??= worker.agent.shutdown('test');
    }
    await shutdown;
    const last = events.at(-1);
    assert.equal(last?.event?.$case, 'result');
    if (last?.event?.$case !== 'result') return;
    expectCause(last.event.result, TaskState.TASK_STATE_CANCELLED, 'WORKER_SHUTDOWN', true);
    assert.deepEqual(await managedContainers(last.taskId), []);
  });
});
