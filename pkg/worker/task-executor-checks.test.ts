// TaskExecutor with a scripted runner: checks before and around a run. Fakes: task-executor-fixtures.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../errors/index.js';
import { Task } from '../gen/agent/v1/agent.js';
import { parsePolicy, type AuditEntry } from '../policy/index.js';
import type { TaskExecutorOptions } from './task-executor.js';
import { FakeRunner, started, exit, scripted, fakeEgress, executor, task, read, custom, fetchUrl, useExecutorDirs } from './task-executor-fixtures.js';

describe('TaskExecutor: checks before and around a run', () => {
  const dirs = useExecutorDirs();

  describe('validation before any container', () => {
    const cases: Array<{ name: string; task: () => Task; code: ErrorCode }> = [
      { name: 'an unknown tool', task: () => task({ toolType: 'nope' }), code: 'UNKNOWN_TOOL' },
      { name: 'params of another tool', task: () => task({ toolType: 'file_read', params: fetchUrl('https://x/'), mountSource: dirs.ownedDir }), code: 'INVALID_PARAMS' },
      { name: 'no params', task: () => task({ toolType: 'file_read', mountSource: dirs.ownedDir }), code: 'INVALID_PARAMS' },
      { name: 'a path leaving the workspace', task: () => task({ toolType: 'file_read', params: read('../etc/passwd'), mountSource: dirs.ownedDir }), code: 'PATH_ESCAPE' },
      { name: 'a non-http URL', task: () => task({ toolType: 'fetch_url', params: fetchUrl('file:///etc/passwd') }), code: 'INVALID_URL' },
      { name: 'a mount for a web tool', task: () => task({ toolType: 'fetch_url', params: fetchUrl('https://x/'), mountSource: dirs.ownedDir }), code: 'INVALID_PARAMS' },
      { name: 'no mount for a file tool', task: () => task({ toolType: 'file_read', params: read('a') }), code: 'INVALID_PARAMS' },
      { name: 'a relative mount', task: () => task({ toolType: 'file_read', params: read('a'), mountSource: 'rel/dir' }), code: 'INVALID_PARAMS' },
      {
        name: 'a write tool without writable',
        task: () => task({ toolType: 'file_write', params: { $case: 'fileWrite', fileWrite: { path: 'a', content: Buffer.from('x') } }, mountSource: dirs.ownedDir }),
        code: 'INVALID_PARAMS',
      },
      { name: 'a missing mount directory', task: () => task({ toolType: 'file_read', params: read('a'), mountSource: join(dirs.root, 'missing') }), code: 'MOUNT_NOT_FOUND' },
    ];
    for (const c of cases) {
      it(`${c.name} → FAILED ${c.code}, runner never called`, async () => {
        const runner = new FakeRunner(scripted(started(), exit(0)));
        const exec = executor(runner, { egress: fakeEgress() });
        const outcome = await exec.run('t', c.task());
        assert.equal(outcome.state, 'FAILED');
        assert.equal(outcome.error?.code, c.code, outcome.error?.message);
        assert.equal(outcome.exitCode, -1);
        assert.equal(runner.calls.length, 0);
        assert.deepEqual(exec.activeTaskIds, []);
      });
    }
  });

  describe('policy', () => {
    const withPolicy = (yaml: string, entries: AuditEntry[] = []): Partial<TaskExecutorOptions> => ({
      policy: { current: parsePolicy(yaml, 'test.yaml') },
      audit: {
        append: async (batch) => {
          entries.push(...batch);
        },
      },
    });

    it('strict: a mount no rule allows is refused before any container, and every decision is audited', async () => {
      const entries: AuditEntry[] = [];
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const outcome = await executor(runner, withPolicy(`mode: strict\nmounts:\n  - path: ${dirs.rootDir}\n    access: readwrite\n`, entries)).run(
        'task-p1',
        task({ toolType: 'file_read', params: read('a'), mountSource: dirs.ownedDir }),
      );
      assert.equal(outcome.state, 'FAILED');
      assert.equal(outcome.error?.code, 'POLICY_DENIED');
      assert.match(outcome.error?.message ?? '', /policy refuses/);
      assert.equal(runner.calls.length, 0);
      assert.ok(entries.length >= 3, `decisions: ${entries.length}`);
      assert.ok(entries.every((entry) => entry.taskId === 'task-p1' && entry.toolType === 'file_read'));
      assert.ok(entries.some((entry) => entry.decision === 'refused' && entry.rule.startsWith('mounts')), JSON.stringify(entries));
    });

    it('strict: an allowed mount runs, with the profile naming the policy mode', async () => {
      const entries: AuditEntry[] = [];
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const outcome = await executor(runner, withPolicy(`mode: strict\nmounts:\n  - path: ${dirs.ownedDir}\n    access: readonly\n`, entries)).run(
        't',
        task({ toolType: 'file_read', params: read('a'), mountSource: dirs.ownedDir }),
      );
      assert.equal(outcome.state, 'COMPLETED', outcome.error?.message);
      assert.equal(outcome.profile, 'baaaht/v1 runtime=runc policy=strict');
      assert.ok(entries.length > 0 && entries.every((entry) => entry.decision === 'allowed'), JSON.stringify(entries));
    });

    it('permissive: limits over the caps are lowered and the run gets the clamped values', async () => {
      const entries: AuditEntry[] = [];
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const outcome = await executor(runner, withPolicy('mode: permissive\ncaps:\n  memory: 16MiB\n  pids: 3\n  output: 1k\n  timeout: 100ms\n', entries)).run(
        't',
        task({ toolType: 'gvisor-echo', params: custom({ text: 'x' }) }),
      );
      assert.equal(outcome.state, 'COMPLETED', outcome.error?.message);
      const { spec, options } = runner.calls[0]!;
      assert.equal(spec.limits.memoryBytes, 16 * 1024 * 1024);
      assert.equal(spec.limits.pids, 3);
      assert.equal(options.outputCapBytes, 1024);
      const deadline = Number(spec.labels['io.baaaht.deadline']);
      assert.ok(deadline < Date.now() + 1234 + 30_000 + 1_000, 'the deadline follows the clamped timeout');
      assert.ok(entries.some((entry) => entry.decision === 'clamped'), JSON.stringify(entries));
    });

    it('strict: limits over the caps refuse the task', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const outcome = await executor(runner, withPolicy('mode: strict\ncaps:\n  memory: 16MiB\n')).run('t', task({ toolType: 'gvisor-echo', params: custom({}) }));
      assert.equal(outcome.error?.code, 'POLICY_DENIED');
      assert.equal(runner.calls.length, 0);
    });

    it('a runtime forced on custom tools applies to them, not to built-in tools', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const exec = executor(runner, withPolicy('mode: strict\nruntimes:\n  custom: runsc-forced\n'));
      await exec.run('t1', task({ toolType: 'slow', params: custom({}) }));
      await exec.run('t2', task({ toolType: 'file_read', params: read('a'), mountSource: dirs.ownedDir }));
      assert.equal(runner.calls[0]!.spec.runtime, 'runsc-forced');
      assert.equal(runner.calls[1]!.spec.runtime, undefined);
    });

    it('a denied image refuses the task', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const outcome = await executor(runner, withPolicy('mode: strict\nimages:\n  deny: [custom-img]\n')).run('t', task({ toolType: 'slow', params: custom({}) }));
      assert.equal(outcome.error?.code, 'POLICY_DENIED');
      assert.match(outcome.error?.message ?? '', /custom-img/);
      assert.equal(runner.calls.length, 0);
    });

    it('a task whose decisions cannot be audited does not run', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const outcome = await executor(runner, {
        audit: { append: () => Promise.reject(new Error('disk full')) },
      }).run('t', task({ toolType: 'file_read', params: read('a'), mountSource: dirs.ownedDir }));
      assert.equal(outcome.error?.code, 'AUDIT_UNAVAILABLE');
      assert.equal(outcome.retryable, true);
      assert.match(outcome.error?.message ?? '', /audit log.*disk full/);
      assert.equal(runner.calls.length, 0);
    });

    it('the policy is read per task, so a reload applies to the next one', async () => {
      const holder = { current: parsePolicy('mode: strict\n', 'a.yaml') };
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const exec = executor(runner, { policy: holder });
      assert.equal((await exec.run('t1', task({ toolType: 'slow', params: custom({}) }))).state, 'COMPLETED');
      holder.current = parsePolicy('mode: strict\nimages:\n  deny: [custom-img]\n', 'b.yaml');
      assert.equal((await exec.run('t2', task({ toolType: 'slow', params: custom({}) }))).error?.code, 'POLICY_DENIED');
    });
  });
});
