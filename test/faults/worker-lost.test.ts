// A worker lost mid-task (issue #13, section 2), with the real processes and engine: paused past
// the worker timeout (SIGSTOP, as a GC pause, a VM pause or a partition would), its run adopts
// the lease it is given again and its good result is kept, the task running once; killed with a
// second worker present, its run stops before the task runs again on the other one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docker, managedContainers } from '../support/docker-fixtures.js';
import { waitUntil } from '../support/processes.js';
import { useFaultProcs } from './fault-procs.js';

/** When a container started and finished (the engine's own times). */
async function timesOf(containerId: string): Promise<{ startedAt: number; finishedAt: number }> {
  const info = await docker.getContainer(containerId).inspect();
  return { startedAt: Date.parse(info.State.StartedAt), finishedAt: Date.parse(info.State.FinishedAt) };
}

describe('a worker lost mid-task (real processes, real engine)', () => {
  const { procs } = useFaultProcs('wl-');

  it('paused past the worker timeout: it comes back, its run goes on and its result is kept; the task ran once', async () => {
    const { orchestrator, worker, registered, task, runningContainer, finished } = procs();
    orchestrator({ maxAttempts: 3, workerTimeout: '2s' });
    const w = worker('wl-paused');
    await registered('wl-paused');
    const id = await task('run', 'sleeper', '--param', 'seconds=8', '--detach');
    const first = await runningContainer(id);
    // Past the 2 s worker timeout (its lease is lost and the task queued again), back before the
    // queued task's own wait for a worker (another worker timeout) is over.
    const seen = new Set([first.Id]);
    const watching = new AbortController();
    const watch = (async () => {
      while (!watching.signal.aborted) {
        for (const c of await managedContainers(id)) seen.add(c.Id);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    w.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    w.child.kill('SIGCONT');
    const end = await finished(id, 60_000).finally(() => watching.abort());
    await watch;
    assert.equal(end.state, 'COMPLETED', JSON.stringify(end));
    assert.equal(end.exitCode, 0);
    assert.deepEqual([...seen], [first.Id], 'one container ran it, start to end');
  });

  it('killed -9 with a second worker present: its run stops, then the task runs again on the other worker and completes', async () => {
    const { orchestrator, worker, registered, task, runningContainer, finished } = procs();
    orchestrator({ maxAttempts: 2, workerTimeout: '2s' });
    const a = worker('wl-a');
    await registered('wl-a');
    const id = await task('run', 'sleeper', '--param', 'seconds=4', '--detach');
    const first = await runningContainer(id);
    worker('wl-b');
    await registered('wl-b');
    a.child.kill('SIGKILL');
    await a.exited;
    await waitUntil(async () => !(await managedContainers(id)).some((c) => c.Id === first.Id && c.State === 'running'), 5_000, 'the old run stopped');
    const old = await timesOf(first.Id);
    const second = await waitUntil(async () => (await managedContainers(id)).find((c) => c.Id !== first.Id && c.State === 'running'), 30_000, 'the new run');
    const fresh = await timesOf(second.Id);
    assert.ok(old.finishedAt <= fresh.startedAt, `the old run stopped (${new Date(old.finishedAt).toISOString()}) before the new one started (${new Date(fresh.startedAt).toISOString()})`);
    const end = await finished(id, 60_000);
    assert.equal(end.state, 'COMPLETED', JSON.stringify(end));
    assert.equal(end.worker, 'wl-b');
    assert.equal(end.attempt, 2);
  });
});
