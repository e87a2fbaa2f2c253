// #11 §2: a worker's own state and the orchestrator's data are never mounted, whatever the roots
// say: the real bin/worker, with the temp dir as a mount root and its work dir, its task records
// and the orchestrator's data all inside that root. Before, a task could mount the work dir and
// grep other tasks' records, rewrite the audit log, or read the orchestrator's database.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Task, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { collect, startOrchestrator, type Harness } from '../rpc/harness.js';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { startBin, waitUntil, type Proc } from '../support/processes.js';

describe("the worker's own state and the orchestrator's data are never mounted (bin/worker)", () => {
  let h: Harness;
  let worker: Proc;
  let base = '';
  let workDir = '';
  let orchestratorData = '';
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;

  before(async () => {
    h = await startOrchestrator();
    base = await realpath(await mkdtemp(join(tmpdir(), 'baaaht-never-')));
    workDir = join(base, 'worker-state');
    orchestratorData = join(base, 'orchestrator-data');
    await mkdir(orchestratorData);
    ws = await makeWorkspace({ 'a.txt': 'a\n' });
    worker = startBin('worker', [
      '--orchestrator-addr', h.address, '--name', 'never-mount', '--work-dir', workDir,
      '--task-records', 'on', '--mount-root', `${tmpdir()}:owner`, '--never-mount', orchestratorData, '--heartbeat-interval', '1s',
    ]);
    await waitUntil(async () => (await h.tasks.listWorkers({})).workers.some((w) => w.name === 'never-mount' && w.connected), 30_000, 'registered');
  });
  after(async () => {
    await worker?.stop('SIGTERM');
    await h?.close();
    await ws?.cleanup();
    await rm(base, { recursive: true, force: true });
  });

  const list = (mountSource: string) =>
    collect(h.tasks.runTask({ task: Task.fromPartial({ toolType: 'list', mountSource, params: { $case: 'list', list: { path: '' } } }), worker: 'never-mount', group: '', labels: {} }));

  for (const [what, path] of [
    ['its work dir (audit log, spool, task records)', () => workDir],
    ['a directory inside it (the records of other tasks)', () => join(workDir, 'results')],
    ['its mount pin dir', () => join(workDir, 'pins')],
    ['a directory that contains it', () => base],
    ["the orchestrator's data (--never-mount)", () => orchestratorData],
  ] as const) {
    it(`refuses ${what}: POLICY_DENIED never-mountable, no container`, async () => {
      await mkdir(path(), { recursive: true });
      const r = await list(path());
      assert.equal(r.result.state, TaskState.TASK_STATE_FAILED, JSON.stringify(r.result));
      assert.equal(r.result.error?.code, 'POLICY_DENIED');
      assert.match(r.result.error?.message ?? '', /never-mountable.*which tasks never mount/);
      assert.equal(r.result.profile, '');
    });
  }

  it('still mounts a workspace beside them, under the same root', async () => {
    const r = await list(ws.dir);
    assert.equal(r.result.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(r.result.error));
    assert.match(r.stdout, /a\.txt/);
  });
});
