// A task's container never outlives its worker process by more than a few seconds (issue #13,
// section 2): a real bin/worker killed -9 mid-task, with no other worker on the engine, takes its
// running container down with it (the container's attached stdin closes with the worker's
// connection, and the tools image's leash kills the tool). Real processes, the real engine.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeWorkspace, managedContainers } from '../support/docker-fixtures.js';
import { runBin, waitUntil } from '../support/processes.js';
import { useFaultProcs } from './fault-procs.js';

describe("a killed worker's containers die with it (real worker, real engine)", () => {
  const { procs, dir: faultDir } = useFaultProcs('dw-');

  it('worker killed -9 mid-task: its running container stops within 5 s', async () => {
    const { orchestrator, worker, registered, task, runningContainer } = procs();
    orchestrator();
    const w = worker('dw-kill');
    await registered('dw-kill');
    const id = await task('run', 'sleeper', '--param', 'seconds=100', '--detach');
    await runningContainer(id);
    w.child.kill('SIGKILL');
    await w.exited;
    const killedAt = Date.now();
    await waitUntil(async () => !(await managedContainers(id)).some((c) => c.State === 'running'), 5_000, 'no running container of the dead worker');
    assert.ok(Date.now() - killedAt <= 5_000);
  });

  it('tools that read stdin still get all of it (file_write) while their container is leashed', async () => {
    const ws = await makeWorkspace();
    try {
      const { orchestrator, worker, registered } = procs();
      orchestrator();
      worker('dw-stdin');
      await registered('dw-stdin');
      const content = 'line one\n'.repeat(50_000);
      const dir = faultDir();
      await writeFile(join(dir, 'content.txt'), content);
      const addr = `unix://${dir}/grpc.sock`;
      const r = await runBin('task', ['--orchestrator-addr', addr, 'run', 'file_write', '--mount', ws.dir, '--writable', '--param', 'path=out.txt', '--param', `content=@${join(dir, 'content.txt')}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await readFile(join(ws.dir, 'out.txt'), 'utf8'), content);
    } finally {
      await ws.cleanup();
    }
  });
});
