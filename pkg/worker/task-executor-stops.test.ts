// TaskExecutor with a scripted runner: runs that stop early. Fakes: task-executor-fixtures.ts.
import assert from 'node:assert/strict';
import { WorkerError } from '../errors/index.js';
import type { RunsContainers } from '../runtime/index.js';
import { TaskAbortReason } from './task-abort-reason.js';
import { describe, it } from 'node:test';
import { FakeRunner, deferred, untilAborted, started, output, exit, runUntilStopped, scripted, executor, task, custom } from './task-executor-fixtures.js';

describe('TaskExecutor: runs that stop early', () => {
  describe('timeouts', () => {
    it('clamps a task timeout larger than the tool’s and ends TIMEOUT with TOOL_TIMEOUT', async () => {
      const runner = new FakeRunner(runUntilStopped(deferred()));
      const startedAt = performance.now();
      const outcome = await executor(runner).run('t', task({ toolType: 'slow', params: custom({}), timeoutMs: 60_000 }));
      const took = performance.now() - startedAt;
      assert.equal(outcome.state, 'TIMEOUT');
      assert.equal(outcome.error?.code, 'TOOL_TIMEOUT');
      assert.match(outcome.error?.message ?? '', /timeout of 200 ms/);
      assert.equal(outcome.exitCode, 137);
      assert.ok(took >= 150 && took < 5_000, `took ${took} ms`);
      const reason = runner.lastSignal.reason as unknown;
      assert.ok(reason instanceof TaskAbortReason);
      assert.equal(reason.kind, 'TIMEOUT');
      assert.equal(reason.graceMs, 0);
    });

    it('reports the real timeout when the runner throws after the timeout', async () => {
      const runner: RunsContainers = {
        async *run(_spec, { signal }) {
          yield { type: 'started', containerId: 'c', runtime: 'runc', profile: 'p' };
          const keepAlive = setInterval(() => undefined, 1000);
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          clearInterval(keepAlive);
          throw new Error('attach stream closed');
        },
      };
      const outcome = await executor(runner).run('t', task({ toolType: 'slow', params: custom({}) }));
      assert.equal(outcome.state, 'TIMEOUT');
      assert.match(outcome.error?.message ?? '', /timeout of 200 ms/);
    });

    it('keeps a task timeout smaller than the tool’s', async () => {
      const runner = new FakeRunner(runUntilStopped(deferred()));
      const outcome = await executor(runner).run('t', task({ toolType: 'slow', params: custom({}), timeoutMs: 50 }));
      assert.equal(outcome.state, 'TIMEOUT');
      assert.match(outcome.error?.message ?? '', /timeout of 50 ms/);
    });

    it('uses the tool’s timeout when the task gives 0', async () => {
      const runner = new FakeRunner(runUntilStopped(deferred()));
      const outcome = await executor(runner).run('t', task({ toolType: 'slow', params: custom({}), timeoutMs: 0 }));
      assert.equal(outcome.state, 'TIMEOUT');
      assert.match(outcome.error?.message ?? '', /timeout of 200 ms/);
    });
  });

  describe('cancelling', () => {
    for (const { force, graceMs } of [
      { force: false, graceMs: 1234 },
      { force: true, graceMs: 0 },
    ]) {
      it(`cancelTask(force ${force}) ends CANCELLED and gives the runner a grace of ${graceMs} ms`, async () => {
        const running = deferred();
        const runner = new FakeRunner(runUntilStopped(running));
        const exec = executor(runner);
        const outcome = exec.run('t', task({ toolType: 'slow', params: custom({}) }));
        await running.promise;
        assert.equal(exec.cancelTask('t', { force }), true);
        const result = await outcome;
        assert.equal(result.state, 'CANCELLED');
        assert.equal(result.error?.code, 'CANCELLED');
        assert.match(result.error?.message ?? '', /caller cancel/);
        const reason = runner.lastSignal.reason as unknown;
        assert.ok(reason instanceof TaskAbortReason);
        assert.equal(reason.kind, 'CALLER_CANCEL');
        assert.equal(reason.graceMs, graceMs);
      });
    }

    it('cancelTask of an unknown task is false', () => {
      assert.equal(executor(new FakeRunner(scripted())).cancelTask('nope'), false);
    });

    it('a worker shutdown ends CANCELLED with WORKER_SHUTDOWN', async () => {
      const running = deferred();
      const runner = new FakeRunner(runUntilStopped(running));
      const exec = executor(runner);
      const outcome = exec.run('t', task({ toolType: 'slow', params: custom({}) }));
      await running.promise;
      exec.abort('t', new TaskAbortReason('WORKER_SHUTDOWN', 500));
      const result = await outcome;
      assert.equal(result.state, 'CANCELLED');
      assert.equal(result.error?.code, 'WORKER_SHUTDOWN');
    });

    it('the caller’s signal aborting mid-run ends CANCELLED with the cancel grace', async () => {
      const running = deferred();
      const runner = new FakeRunner(runUntilStopped(running));
      const caller = new AbortController();
      const outcome = executor(runner).run('t', task({ toolType: 'slow', params: custom({}) }), { signal: caller.signal });
      await running.promise;
      caller.abort();
      const result = await outcome;
      assert.equal(result.state, 'CANCELLED');
      assert.equal(result.error?.code, 'CANCELLED');
      assert.equal((runner.lastSignal.reason as TaskAbortReason).graceMs, 1234);
    });

    it('a caller signal aborted before the run ends CANCELLED without a container', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const exec = executor(runner);
      const outcome = await exec.run('t', task({ toolType: 'slow', params: custom({}) }), { signal: AbortSignal.abort() });
      assert.equal(outcome.state, 'CANCELLED');
      assert.equal(outcome.error?.code, 'CANCELLED');
      assert.equal(runner.calls.length, 0);
      assert.deepEqual(exec.activeTaskIds, []);
    });

    it('a runner that throws a plain error after a cancel still ends CANCELLED', async () => {
      const running = deferred();
      const runner = new FakeRunner(async function* (signal) {
        yield started();
        running.resolve();
        await untilAborted(signal);
        throw new Error('stream destroyed');
      });
      const exec = executor(runner);
      const outcome = exec.run('t', task({ toolType: 'slow', params: custom({}) }));
      await running.promise;
      exec.cancelTask('t');
      const result = await outcome;
      assert.equal(result.state, 'CANCELLED');
      assert.equal(result.error?.code, 'CANCELLED');
    });
  });

  describe('failures', () => {
    it('a WorkerError from the runner ends FAILED with its code and message', async () => {
      const runner = new FakeRunner(async function* () {
        throw new WorkerError('IMAGE_MISSING', 'image img is not present; build it with `make images`');
      });
      const outcome = await executor(runner).run('t', task({ toolType: 'slow', params: custom({}) }));
      assert.equal(outcome.state, 'FAILED');
      assert.equal(outcome.exitCode, -1);
      assert.deepEqual(outcome.error, { code: 'IMAGE_MISSING', message: 'image img is not present; build it with `make images`' });
      assert.equal(outcome.runtime, 'runc-default', 'the runtime the container would have had');
    });

    it('an unknown error ends FAILED INTERNAL without leaking its message', async () => {
      const runner = new FakeRunner(async function* () {
        yield started();
        throw new Error('secret token abc123 in /etc/shadow');
      });
      const outcome = await executor(runner).run('t', task({ toolType: 'slow', params: custom({}) }));
      assert.equal(outcome.state, 'FAILED');
      assert.equal(outcome.error?.code, 'INTERNAL');
      assert.doesNotMatch(outcome.error?.message ?? '', /secret|abc123|shadow/);
    });

    it('a run that ends without an exit event is FAILED INTERNAL', async () => {
      const runner = new FakeRunner(scripted(started(), output('stdout', 'x')));
      const outcome = await executor(runner).run('t', task({ toolType: 'slow', params: custom({}) }));
      assert.equal(outcome.state, 'FAILED');
      assert.equal(outcome.error?.code, 'INTERNAL');
    });

    it('an onProgress that throws ends FAILED and stops the run', async () => {
      let finished = false;
      const runner = new FakeRunner(async function* () {
        try {
          yield started();
          yield exit(0);
        } finally {
          finished = true;
        }
      });
      const outcome = await executor(runner).run('t', task({ toolType: 'slow', params: custom({}) }), {
        onProgress: () => {
          throw new Error('consumer gone');
        },
      });
      assert.equal(outcome.state, 'FAILED');
      assert.equal(outcome.error?.code, 'INTERNAL');
      assert.equal(finished, true, 'the runner’s cleanup ran');
    });
  });

  describe('ended by the engine, not the tool', () => {
    for (const [reason, unhealthy] of [['engine-stopped', true], ['engine-gone', true], ['runtime-lost', false]] as const) {
      it(`an exit the engine made (${reason}) ends FAILED ENGINE_UNAVAILABLE, retryable${unhealthy ? ', and marks the engine unhealthy' : ''}`, async () => {
        const failures: string[] = [];
        const engineHealth = { healthy: true, detail: '', reportFailure: (detail: string) => void failures.push(detail) };
        const runner = new FakeRunner(scripted(started(), exit(143, { engineEnded: { reason, detail: 'what the engine said' } })));
        const outcome = await executor(runner, { engineHealth }).run('t', task({ toolType: 'slow', params: custom({}) }));
        assert.equal(outcome.state, 'FAILED');
        assert.equal(outcome.cause, 'ENGINE_UNAVAILABLE');
        assert.equal(outcome.retryable, true);
        assert.equal(outcome.exitCode, 143);
        assert.match(outcome.error?.message ?? '', /did not end by itself: what the engine said/);
        assert.deepEqual(failures, unhealthy ? ['what the engine said'] : []);
      });
    }

    it('the same exit code without the engine saying so is the tool’s own NON_ZERO_EXIT', async () => {
      const outcome = await executor(new FakeRunner(scripted(started(), exit(143)))).run('t', task({ toolType: 'slow', params: custom({}) }));
      assert.equal(outcome.state, 'COMPLETED');
      assert.equal(outcome.cause, 'NON_ZERO_EXIT');
      assert.equal(outcome.retryable, false);
    });
  });

  describe('task ids', () => {
    it('refuses the same task id while it runs, and tracks active ids', async () => {
      const running = deferred();
      const runner = new FakeRunner(runUntilStopped(running));
      const exec = executor(runner);
      assert.deepEqual(exec.activeTaskIds, []);
      const first = exec.run('dup', task({ toolType: 'slow', params: custom({}) }));
      await running.promise;
      assert.deepEqual(exec.activeTaskIds, ['dup']);
      const second = await exec.run('dup', task({ toolType: 'slow', params: custom({}) }));
      assert.equal(second.state, 'FAILED');
      assert.equal(second.error?.code, 'INVALID_PARAMS');
      assert.match(second.error?.message ?? '', /already running/);
      assert.equal(runner.calls.length, 1);
      assert.deepEqual(exec.activeTaskIds, ['dup'], 'the refused duplicate does not drop the running one');
      assert.equal(exec.cancelTask('dup'), true);
      assert.equal((await first).state, 'CANCELLED');
      assert.deepEqual(exec.activeTaskIds, []);
    });

    it('the id can be reused once the first run has ended', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const exec = executor(runner);
      assert.equal((await exec.run('again', task({ toolType: 'slow', params: custom({}) }))).state, 'COMPLETED');
      assert.equal((await exec.run('again', task({ toolType: 'slow', params: custom({}) }))).state, 'COMPLETED');
      assert.equal(runner.calls.length, 2);
    });
  });
});
