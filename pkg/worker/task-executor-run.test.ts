// TaskExecutor with a scripted runner: runs to their exit. Fakes: task-executor-fixtures.ts.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { identityOf } from '../mounts/index.js';
import { FILE_TOOL_LIMITS, WEB_TOOL_LIMITS } from '../tools/index.js';
import type { TaskProgress } from './run-outcome.js';
import { TaskExecutor } from './task-executor.js';
import { FakeRunner, started, output, exit, scripted, registry, fakeEgress, fakePinner, executor, task, read, custom, fetchUrl, useExecutorDirs } from './task-executor-fixtures.js';

describe('TaskExecutor: runs to their exit', () => {
  const dirs = useExecutorDirs();

  describe('a run to its exit', () => {
    it('completes with the exit code and forwards running and output events in order', async () => {
      const runner = new FakeRunner(
        scripted(started('runsc'), output('stdout', 'hello '), output('stderr', 'warn'), output('stdout', 'world'), exit(2, { stdoutTruncated: true })),
      );
      const progress: TaskProgress[] = [];
      const outcome = await executor(runner).run('t1', task({ toolType: 'file_read', params: read('a.txt'), mountSource: dirs.ownedDir }), {
        onProgress: async (event) => {
          await new Promise((resolve) => setImmediate(resolve));
          progress.push(event);
        },
      });
      assert.equal(outcome.state, 'COMPLETED');
      assert.equal(outcome.exitCode, 2);
      assert.equal(outcome.stdoutTruncated, true);
      assert.equal(outcome.stderrTruncated, false);
      assert.equal(outcome.runtime, 'runsc');
      assert.equal(outcome.error, undefined);
      assert.ok(outcome.durationMs >= 0);
      assert.deepEqual(
        progress.map((event) => (event.type === 'running' ? `running ${event.containerId} ${event.runtime}` : `${event.stream} ${event.data.toString()}`)),
        ['running c0ffee runsc', 'stdout hello ', 'stderr warn', 'stdout world'],
      );
    });

    it("fails PATH_ESCAPE when a file tool's guard exits with its escape code, and not for a custom tool", async () => {
      const runner = new FakeRunner(scripted(started(), output('stderr', 'baaaht-fs: PATH_ESCAPE: /workspace/l: is a symbolic link\n'), exit(3)));
      const outcome = await executor(runner).run('t', task({ toolType: 'file_read', params: read('l'), mountSource: dirs.ownedDir }));
      assert.equal(outcome.state, 'FAILED');
      assert.equal(outcome.cause, 'PATH_ESCAPE');
      assert.equal(outcome.exitCode, 3);
      const other = await executor(new FakeRunner(scripted(started(), exit(3)))).run('t', task({ toolType: 'slow', params: custom({}) }));
      assert.equal(other.cause, 'NON_ZERO_EXIT');
    });

    it('a web tool that fails after the egress proxy refused its request fails POLICY_DENIED with the reason', async () => {
      const egress = fakeEgress(['169.254.169.254:80: a metadata address (blocked)']);
      const runner = new FakeRunner(scripted(started(), output('stdout', 'baaaht egress proxy: refused'), exit(22)));
      const outcome = await executor(runner, { egress }).run('t', task({ toolType: 'fetch_url', params: fetchUrl('http://169.254.169.254/') }));
      assert.equal(outcome.state, 'FAILED');
      assert.equal(outcome.cause, 'POLICY_DENIED');
      assert.equal(outcome.exitCode, 22);
      assert.match(outcome.error?.message ?? '', /egress policy refused a request of fetch_url: 169\.254\.169\.254:80: a metadata address/);
      const token = runner.calls[0]!.spec.argv.find((arg) => arg.includes('@'))?.slice('http://'.length, 'http://'.length + 24);
      assert.equal(egress.asked[0], token, 'the refusals of this task were asked for by its token');
      const ok = await executor(new FakeRunner(scripted(started(), exit(0))), { egress: fakeEgress(['x']) }).run('t', task({ toolType: 'fetch_url', params: fetchUrl('http://a.example/') }));
      assert.equal(ok.cause, 'COMPLETED', 'a refused hop the tool recovered from is not a failure');
    });

    it("registers the task's egress token with the proxy before its container runs and drops it when the task ends (#11)", async () => {
      const egress = fakeEgress();
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const liveAtRun: string[][] = [];
      const run = runner.run.bind(runner);
      runner.run = (spec, options) => {
        liveAtRun.push([...egress.live]);
        return run(spec, options);
      };
      await executor(runner, { egress }).run('t', task({ toolType: 'fetch_url', params: fetchUrl('http://a.example/') }));
      const token = runner.calls[0]!.spec.argv.find((arg) => arg.includes('@'))?.slice('http://'.length, 'http://'.length + 24);
      assert.deepEqual(liveAtRun, [[token]], 'the token in the proxy URL was valid while the container ran');
      assert.deepEqual([...egress.live], [], 'and is dropped once the task ended');
      await executor(new FakeRunner(scripted(started(), exit(1))), { egress }).run('t2', task({ toolType: 'fetch_url', params: fetchUrl('http://a.example/') }));
      await executor(new FakeRunner(scripted(started(), exit(0))), { egress }).run('t3', task({ toolType: 'fetch_url', params: fetchUrl('not a url') }));
      assert.deepEqual([...egress.live], [], 'also when the task fails, before or after its container');
    });

    it('builds the container spec of a read tool from the tool, the mount and the task', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      await executor(runner).run('task-42', task({ toolType: 'file_read', params: read('dir/a.txt'), mountSource: dirs.ownedDir, writable: true }));
      assert.equal(runner.calls.length, 1);
      const { spec, options } = runner.calls[0]!;
      const deadline = Number(spec.labels['io.baaaht.deadline']);
      // The file tools' 30 s timeout, the cancel grace and the slack before a container is an orphan.
      assert.ok(deadline > Date.now() + 30_000 && deadline < Date.now() + 120_000, `deadline ${deadline}`);
      assert.deepEqual(spec, {
        image: 'img',
        argv: ['baaaht-fs', 'read', '/workspace/dir/a.txt'],
        workingDir: '/workspace',
        user: '1000:1000',
        labels: {
          'io.baaaht.managed-by': 'baaaht-worker',
          'io.baaaht.worker-id': 'worker-7',
          'io.baaaht.boot-id': '',
          'io.baaaht.task-id': 'task-42',
          'io.baaaht.tool': 'file_read',
          'io.baaaht.deadline': String(deadline),
        },
        mount: { source: `/pinned${dirs.ownedDir}`, target: '/workspace', writable: false, identity: spec.mount?.identity ?? '', origin: dirs.ownedDir },
        network: 'none',
        limits: FILE_TOOL_LIMITS,
      });
      assert.equal(options.outputCapBytes, 4096);
    });

    it('mounts read-write for a write tool and passes its stdin', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const outcome = await executor(runner).run(
        't',
        task({
          toolType: 'file_write',
          params: { $case: 'fileWrite', fileWrite: { path: 'out.txt', content: Buffer.from('content') } },
          mountSource: dirs.ownedDir,
          writable: true,
        }),
      );
      assert.equal(outcome.state, 'COMPLETED');
      const { spec } = runner.calls[0]!;
      assert.deepEqual(spec.mount, { source: `/pinned${dirs.ownedDir}`, target: '/workspace', writable: true, identity: identityOf(statSync(dirs.ownedDir, { bigint: true })), origin: dirs.ownedDir });
      assert.equal(spec.network, 'none');
      assert.equal(Buffer.from(spec.stdin ?? []).toString(), 'content');
    });

    it('pins the judged directory, hands the runner the pin, and releases the pin once the container started', async () => {
      const pinner = fakePinner();
      const runner = new FakeRunner(scripted(started(), exit(0)));
      await executor(runner, { pinner }).run('t', task({ toolType: 'file_read', params: read('a'), mountSource: dirs.ownedDir }));
      assert.deepEqual([pinner.pinned, pinner.released], [[dirs.ownedDir], [dirs.ownedDir]]);
      assert.equal(runner.calls[0]?.spec.mount?.source, `/pinned${dirs.ownedDir}`);
    });

    it('refuses a mount under no root (POLICY_DENIED naming --mount-root) and a mount without a pinner, before any container', async () => {
      for (const overrides of [{ mountRoots: [] }, { mountRoots: [{ path: '/srv/elsewhere', user: { kind: 'owner' } } as const] }]) {
        const runner = new FakeRunner(scripted(started(), exit(0)));
        const outcome = await executor(runner, overrides).run('t', task({ toolType: 'file_read', params: read('a'), mountSource: dirs.ownedDir }));
        assert.equal(outcome.error?.code, 'POLICY_DENIED');
        assert.match(outcome.error?.message ?? '', /under no mount root.*--mount-root/);
        assert.equal(runner.calls.length, 0);
      }
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const { pinner: _none, ...withoutPinner } = { pinner: undefined };
      const outcome = await new TaskExecutor({ runner, tools: registry(), workerId: 'w', outputCapBytes: 1, cancelGraceMs: 1, defaultRuntime: 'runc', mountRoots: [{ path: '/', user: { kind: 'owner' } }], ...withoutPinner }).run(
        't',
        task({ toolType: 'file_read', params: read('a'), mountSource: dirs.ownedDir }),
      );
      assert.equal(outcome.error?.code, 'POLICY_DENIED');
      assert.match(outcome.error?.message ?? '', /cannot pin/);
      assert.equal(runner.calls.length, 0);
    });

    it("runs as the root's fixed user, whoever owns the directory", async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      await executor(runner, { mountRoots: [{ path: dirs.root, user: { kind: 'fixed', uid: 2222, gid: 2223 } }] }).run(
        't',
        task({ toolType: 'file_read', params: read('a'), mountSource: dirs.ownedDir }),
      );
      assert.equal(runner.calls[0]?.spec.user, '2222:2223');
    });

    it('runs a root-owned mount as nobody', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      await executor(runner).run('t', task({ toolType: 'list', params: { $case: 'list', list: { path: '' } }, mountSource: dirs.rootDir }));
      assert.equal(runner.calls[0]?.spec.user, '65534:65534');
    });

    it('runs a web tool on the web network with no mount, as nobody, through the egress proxy', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const exec = executor(runner, { egress: fakeEgress() });
      await exec.run('t', task({ toolType: 'fetch_url', params: fetchUrl('https://example.com/') }));
      await exec.run('t2', task({ toolType: 'fetch_url', params: fetchUrl('https://example.com/') }));
      const { spec } = runner.calls[0]!;
      const proxyArgs = spec.argv.slice(spec.argv.indexOf('--proxy'), spec.argv.indexOf('--proxy') + 4);
      assert.match(proxyArgs[1] ?? '', /^http:\/\/[0-9a-f]{24}:x@172\.18\.0\.1:3128$/, 'a token of its own in the proxy URL');
      assert.deepEqual(proxyArgs.slice(2), ['--noproxy', '']);
      const second = runner.calls[1]!.spec.argv;
      assert.notEqual(second[second.indexOf('--proxy') + 1], proxyArgs[1], 'each task gets another token');
      assert.equal(spec.network, 'bridge');
      assert.equal(spec.mount, undefined);
      assert.equal(spec.user, '65534:65534');
      assert.deepEqual(spec.limits, WEB_TOOL_LIMITS);
      assert.equal(spec.labels['io.baaaht.tool'], 'fetch_url');
    });

    it('refuses a web tool with POLICY_DENIED, before any container, when no egress proxy runs', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const outcome = await executor(runner).run('t', task({ toolType: 'fetch_url', params: fetchUrl('https://example.com/') }));
      assert.equal(outcome.state, 'FAILED');
      assert.equal(outcome.error?.code, 'POLICY_DENIED');
      assert.equal(runner.calls.length, 0);
    });

    it('passes a custom tool’s image, argv, runtime and limits', async () => {
      const runner = new FakeRunner(scripted(started('runsc'), exit(0)));
      await executor(runner).run('t', task({ toolType: 'gvisor-echo', params: custom({ text: 'hi there' }) }));
      const { spec } = runner.calls[0]!;
      assert.equal(spec.image, 'custom-img');
      assert.deepEqual(spec.argv, ['echo', 'hi there']);
      assert.equal(spec.runtime, 'runsc');
      assert.deepEqual(spec.limits, { cpus: 0.5, memoryBytes: 32 * 1024 * 1024, pids: 5 });
    });

    it('leaves the runtime out of the spec when the tool names none', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      await executor(runner).run('t', task({ toolType: 'slow', params: custom({}) }));
      assert.equal('runtime' in runner.calls[0]!.spec, false);
    });

    it('fails OUT_OF_MEMORY when the process was OOM-killed', async () => {
      const runner = new FakeRunner(scripted(started(), exit(137, { oomKilled: true })));
      const outcome = await executor(runner).run('t', task({ toolType: 'slow', params: custom({}) }));
      assert.equal(outcome.state, 'FAILED');
      assert.equal(outcome.exitCode, 137);
      assert.equal(outcome.error?.code, 'OUT_OF_MEMORY');
      assert.match(outcome.error?.message ?? '', /67108864 bytes/);
    });
  });
});
