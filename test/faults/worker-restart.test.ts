// A restarted worker and a restart of both processes (issue #13, section 2): a new boot of the
// same worker releases the old boot's leases at once (it resumes its identity from its work
// dir), instead of after the whole --worker-timeout (60 s here); nothing is left running and no
// task is answered twice. Real processes, the real engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { managedContainers } from '../support/docker-fixtures.js';
import { waitUntil } from '../support/processes.js';
import { useFaultProcs } from './fault-procs.js';

describe('a restarted worker gives up its old leases at once (real processes, real engine)', () => {
  const { procs } = useFaultProcs('wr-');

  it('worker killed -9 and started again: its task ends well before the 60 s worker timeout, its container is gone', async () => {
    const { orchestrator, worker, registered, task, runningContainer, finished } = procs();
    orchestrator();
    const first = worker('wr-one');
    await registered('wr-one');
    const id = await task('run', 'sleeper', '--param', 'seconds=300', '--detach');
    await runningContainer(id);
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    worker('wr-one');
    // One attempt (--max-attempts 1): the released lease ends the task WORKER_LOST, retryable.
    const end = await finished(id, 20_000);
    assert.equal(end.state, 'FAILED');
    assert.equal(end.cause, 'WORKER_LOST');
    assert.equal(end.retryable, true);
    assert.ok(Date.now() - killedAt < 20_000, 'not after the worker timeout');
    await waitUntil(async () => !(await managedContainers(id)).some((c) => c.State === 'running'), 5_000, 'the old run stopped');
  });

  it('both processes killed -9 and started again: the task ends once, nothing is left running', async () => {
    const { orchestrator, worker, registered, task, runningContainer, finished, get } = procs();
    const o = orchestrator();
    const w = worker('wr-both');
    await registered('wr-both');
    const id = await task('run', 'sleeper', '--param', 'seconds=300', '--detach');
    await runningContainer(id);
    w.child.kill('SIGKILL');
    o.child.kill('SIGKILL');
    await Promise.all([w.exited, o.exited]);
    orchestrator();
    worker('wr-both');
    const end = await finished(id, 30_000);
    assert.equal(end.cause, 'WORKER_LOST', JSON.stringify(end));
    await waitUntil(async () => !(await managedContainers(id)).some((c) => c.State === 'running'), 5_000, 'the old run stopped');
    assert.deepEqual(await get(id), end, 'one stored result');
  });
});
