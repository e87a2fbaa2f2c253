// #11 §1: a worker whose mount pins the engine cannot see (here: bin/worker in a mount namespace
// of its own, as `ip netns exec` gives one) must not run tasks on the empty pin directory the
// engine would bind: it finds out at start by running one container through a pin, says so, and
// refuses every task with a mount. The same worker in the engine's namespace mounts as usual.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Task, TaskState } from '../../pkg/gen/agent/v1/agent.js';
import { collect, startOrchestrator, type Harness } from '../rpc/harness.js';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { startBin, waitUntil, type Proc } from '../support/processes.js';

describe('a worker whose pins the engine cannot see refuses mounts', () => {
  let h: Harness;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let dir = '';
  const workers: Proc[] = [];

  before(async () => {
    h = await startOrchestrator();
    ws = await makeWorkspace({ 'hello.txt': 'hello\n' });
    dir = await mkdtemp(join(tmpdir(), 'baaaht-pinvis-'));
  });
  after(async () => {
    for (const w of workers) await w.stop('SIGTERM');
    await h?.close();
    await ws?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (name: string, prefix: string[]): Promise<Proc> => {
    const worker = startBin('worker', ['--orchestrator-addr', h.address, '--name', name, '--work-dir', join(dir, name), '--heartbeat-interval', '1s'], undefined, prefix);
    workers.push(worker);
    await waitUntil(async () => (await h.tasks.listWorkers({})).workers.some((w) => w.name === name && w.connected), 30_000, `${name} registered`);
    return worker;
  };
  const read = (worker: string) =>
    collect(h.tasks.runTask({ task: Task.fromPartial({ toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead', fileRead: { path: 'hello.txt' } } }), worker, group: '', labels: {} }));

  it('in a mount namespace of its own: says why at start, and a task with a mount fails POLICY_DENIED, not on an empty workspace', async () => {
    const worker = await start('pinvis-own-ns', ['unshare', '--mount', '--propagation', 'private', '--']);
    const log = worker.output().stdout + worker.output().stderr;
    assert.match(log, /mount sources cannot be pinned: tasks with a mount are refused.*does not see the pinned directory/);
    const r = await read('pinvis-own-ns');
    assert.equal(r.result.state, TaskState.TASK_STATE_FAILED, JSON.stringify(r.result));
    assert.equal(r.result.error?.code, 'POLICY_DENIED');
    assert.match(r.result.error?.message ?? '', /cannot pin mount sources.*mount namespace the engine does not share/);
  });

  it("in the engine's mount namespace: the same task reads the file", async () => {
    const worker = await start('pinvis-host-ns', []);
    assert.doesNotMatch(worker.output().stdout + worker.output().stderr, /cannot be pinned/);
    const r = await read('pinvis-host-ns');
    assert.equal(r.result.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(r.result.error));
    assert.equal(r.stdout, 'hello\n');
  });
});
