// A worker lost mid-task (issue #13, section 2), with the real processes and engine: paused past
// the worker timeout (SIGSTOP, as a GC pause, a VM pause or a partition would), its run adopts
// the lease it is given again and its good result is kept, the task running once; killed with a
// second worker present, its run stops before the task runs again on the other one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docker, managedContainers } from '../support/docker-fixtures.js';
import { waitUntil } from '../support/processes.js';
import { useFaultProcs } from './fault-procs.js';

/** The containers that ran a task (the engine keeps exited ones until they are removed), oldest first. */
async function runsOf(taskId: string): Promise<Array<{ id: string; startedAt: number; finishedAt: number }>> {
  const runs = [];
  for (const c of await managedContainers(taskId)) {
    const info = await docker.getContainer(c.Id).inspect().catch(() => undefined);
    if (info) runs.push({ id: c.Id, startedAt: Date.parse(info.State.StartedAt), finishedAt: Date.parse(info.State.FinishedAt) });
  }
  return runs.sort((a, b) => a.startedAt - b.startedAt);
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
    w.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    w.child.kill('SIGCONT');
    const end = await finished(id, 60_000);
    assert.equal(end.state, 'COMPLETED', JSON.stringify(end));
    assert.equal(end.exitCode, 0);
    const containers = (await managedContainers(id)).map((c) => c.Id);
    assert.ok(containers.every((c) => c === first.Id), `one container ran it: ${containers.join(', ')}`);
  });

  it('killed -9 with a second worker present: its run stops, then the task runs again on the other worker and completes', async () => {
    const { orchestrator, worker, registered, task, runningContainer, finished } = procs();
    orchestrator({ maxAttempts: 2, workerTimeout: '2s' });
    const a = worker('wl-a');
    await registered('wl-a');
    const id = await task('run', 'sleeper', '--param', 'seconds=4', '--detach');
    await runningContainer(id);
    worker('wl-b');
    await registered('wl-b');
    a.child.kill('SIGKILL');
    await a.exited;
    const end = await finished(id, 60_000);
    assert.equal(end.state, 'COMPLETED', JSON.stringify(end));
    assert.equal(end.worker, 'wl-b');
    assert.equal(end.attempt, 2);
    const runs = await waitUntil(async () => {
      const r = await runsOf(id);
      return r.length === 2 ? r : undefined;
    }, 10_000, 'both runs seen');
    assert.ok(runs[0]!.finishedAt <= runs[1]!.startedAt, `the old run stopped (${new Date(runs[0]!.finishedAt).toISOString()}) before the new one started (${new Date(runs[1]!.startedAt).toISOString()})`);
  });
});
