import { statSync } from 'node:fs';
import { identityOf, type PinsMounts } from '../mounts/index.js';
import assert from 'node:assert/strict';
import { chown, mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkerError, type ErrorCode } from '../errors/index.js';
import { parsePolicy, type AuditEntry } from '../policy/index.js';
import { Task } from '../gen/agent/v1/agent.js';
import type { ContainerSpec, RunEvent, RunOptions, RunsContainers } from '../runtime/index.js';
import {
  createBuiltinToolRegistry,
  defineCustomTool,
  FILE_TOOL_LIMITS,
  WEB_TOOL_LIMITS,
  type TaskParams,
  type ToolRegistry,
} from '../tools/index.js';
import { TaskAbortReason } from './task-abort-reason.js';
import { TaskExecutor, type TaskExecutorOptions } from './task-executor.js';
import type { TaskProgress } from './run-outcome.js';

type Script = (signal: AbortSignal, spec: ContainerSpec) => AsyncGenerator<RunEvent>;

/** A runner that plays a script and records what it was asked to run. */
class FakeRunner implements RunsContainers {
  readonly calls: Array<{ spec: ContainerSpec; options: RunOptions }> = [];

  constructor(private readonly script: Script) {}

  run(spec: ContainerSpec, options: RunOptions): AsyncIterable<RunEvent> {
    this.calls.push({ spec, options });
    return this.script(options.signal, spec);
  }

  get lastSignal(): AbortSignal {
    const call = this.calls.at(-1);
    assert.ok(call, 'the runner was called');
    return call.options.signal;
  }
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/**
 * Resolves when the signal aborts. AbortSignal.timeout does not keep the process alive (a real
 * container's socket does), so a timer stands in for it while the fake waits.
 */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const keepAlive = setInterval(() => undefined, 1_000);
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(keepAlive);
        resolve();
      },
      { once: true },
    );
  });
}

const started = (runtime = 'runc'): RunEvent => ({ type: 'started', containerId: 'c0ffee', runtime, profile: `baaaht/v1 runtime=${runtime}` });
const output = (stream: 'stdout' | 'stderr', text: string): RunEvent => ({ type: 'output', stream, data: Buffer.from(text) });
const exit = (exitCode: number, extra: Partial<Extract<RunEvent, { type: 'exit' }>> = {}): RunEvent => ({
  type: 'exit',
  exitCode,
  oomKilled: false,
  pidsLimitHit: false,
  stdoutTruncated: false,
  stderrTruncated: false,
  ...extra,
});

/** Starts, tells the test it is running, waits to be stopped, then exits as a killed process does. */
function runUntilStopped(running: { resolve: () => void }): Script {
  return async function* (signal) {
    yield started();
    running.resolve();
    await untilAborted(signal);
    yield exit(137);
  };
}

function scripted(...events: RunEvent[]): Script {
  return async function* () {
    yield* events;
  };
}

function registry(): ToolRegistry {
  const tools = createBuiltinToolRegistry({
    image: 'img',
    searchUrlTemplate: 'http://s/?q={query}',
    maxFetchBytes: 1000,
    webNetwork: 'bridge',
    overrides: {},
  });
  tools.register(
    defineCustomTool({
      type: 'slow',
      description: 'A tool with a short timeout',
      image: 'custom-img',
      argv: (values) => ['sleep', values['seconds'] ?? '1'],
      timeoutMs: 200,
    }),
  );
  tools.register(
    defineCustomTool({
      type: 'gvisor-echo',
      description: 'Echo under another runtime',
      image: 'custom-img',
      argv: (values) => ['echo', values['text'] ?? ''],
      runtime: 'runsc',
      limits: { cpus: 0.5, memoryBytes: 32 * 1024 * 1024, pids: 5 },
    }),
  );
  return tools;
}

/** An egress proxy that refused what `refusals` lists, for whichever task token asks first. */
function fakeEgress(refusals: string[] = []): NonNullable<TaskExecutorOptions['egress']> & { asked: string[]; live: Set<string> } {
  const asked: string[] = [];
  const live = new Set<string>();
  return {
    url: 'http://172.18.0.1:3128',
    asked,
    live,
    registerToken: (token) => void live.add(token),
    dropToken: (token) => void live.delete(token),
    takeRefusals(token) {
      asked.push(token);
      return refusals.splice(0);
    },
  };
}

/** Pins nothing: hands the runner `/pinned<path>` and records what it was asked (the real pinner is tested in pkg/mounts). */
function fakePinner(): PinsMounts & { pinned: string[]; released: string[] } {
  const pinned: string[] = [];
  const released: string[] = [];
  return {
    pinned,
    released,
    async pin(directory) {
      pinned.push(directory.path);
      let done = false;
      return {
        path: `/pinned${directory.path}`,
        identity: directory.identity,
        origin: directory.path,
        release: async () => {
          if (!done) released.push(directory.path);
          done = true;
        },
      };
    },
  };
}

function executor(runner: RunsContainers, overrides: Partial<TaskExecutorOptions> = {}): TaskExecutor {
  return new TaskExecutor({
    runner,
    tools: registry(),
    workerId: 'worker-7',
    outputCapBytes: 4096,
    cancelGraceMs: 1234,
    defaultRuntime: 'runc-default',
    mountRoots: [{ path: '/', user: { kind: 'owner' } }],
    pinner: fakePinner(),
    ...overrides,
  });
}

function task(fields: { toolType: string; params?: TaskParams; mountSource?: string; writable?: boolean; timeoutMs?: number }): Task {
  return Task.fromPartial(fields);
}

const read = (path: string): TaskParams => ({ $case: 'fileRead', fileRead: { path } });
const custom = (values: Record<string, string>): TaskParams => ({ $case: 'custom', custom: { values } });
const fetchUrl = (url: string): TaskParams => ({ $case: 'fetchUrl', fetchUrl: { url } });

describe('TaskExecutor', () => {
  let root = '';
  let ownedDir = '';
  let rootDir = '';

  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'baaaht-executor-')));
    ownedDir = join(root, 'owned');
    rootDir = join(root, 'root-owned');
    await mkdir(ownedDir);
    await mkdir(rootDir);
    await chown(ownedDir, 1000, 1000);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('a run to its exit', () => {
    it('completes with the exit code and forwards running and output events in order', async () => {
      const runner = new FakeRunner(
        scripted(started('runsc'), output('stdout', 'hello '), output('stderr', 'warn'), output('stdout', 'world'), exit(2, { stdoutTruncated: true })),
      );
      const progress: TaskProgress[] = [];
      const outcome = await executor(runner).run('t1', task({ toolType: 'file_read', params: read('a.txt'), mountSource: ownedDir }), {
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
      const outcome = await executor(runner).run('t', task({ toolType: 'file_read', params: read('l'), mountSource: ownedDir }));
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
      await executor(runner).run('task-42', task({ toolType: 'file_read', params: read('dir/a.txt'), mountSource: ownedDir, writable: true }));
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
        mount: { source: `/pinned${ownedDir}`, target: '/workspace', writable: false, identity: spec.mount?.identity ?? '', origin: ownedDir },
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
          mountSource: ownedDir,
          writable: true,
        }),
      );
      assert.equal(outcome.state, 'COMPLETED');
      const { spec } = runner.calls[0]!;
      assert.deepEqual(spec.mount, { source: `/pinned${ownedDir}`, target: '/workspace', writable: true, identity: identityOf(statSync(ownedDir, { bigint: true })), origin: ownedDir });
      assert.equal(spec.network, 'none');
      assert.equal(Buffer.from(spec.stdin ?? []).toString(), 'content');
    });

    it('pins the judged directory, hands the runner the pin, and releases the pin once the container started', async () => {
      const pinner = fakePinner();
      const runner = new FakeRunner(scripted(started(), exit(0)));
      await executor(runner, { pinner }).run('t', task({ toolType: 'file_read', params: read('a'), mountSource: ownedDir }));
      assert.deepEqual([pinner.pinned, pinner.released], [[ownedDir], [ownedDir]]);
      assert.equal(runner.calls[0]?.spec.mount?.source, `/pinned${ownedDir}`);
    });

    it('refuses a mount under no root (POLICY_DENIED naming --mount-root) and a mount without a pinner, before any container', async () => {
      for (const overrides of [{ mountRoots: [] }, { mountRoots: [{ path: '/srv/elsewhere', user: { kind: 'owner' } } as const] }]) {
        const runner = new FakeRunner(scripted(started(), exit(0)));
        const outcome = await executor(runner, overrides).run('t', task({ toolType: 'file_read', params: read('a'), mountSource: ownedDir }));
        assert.equal(outcome.error?.code, 'POLICY_DENIED');
        assert.match(outcome.error?.message ?? '', /under no mount root.*--mount-root/);
        assert.equal(runner.calls.length, 0);
      }
      const runner = new FakeRunner(scripted(started(), exit(0)));
      const { pinner: _none, ...withoutPinner } = { pinner: undefined };
      const outcome = await new TaskExecutor({ runner, tools: registry(), workerId: 'w', outputCapBytes: 1, cancelGraceMs: 1, defaultRuntime: 'runc', mountRoots: [{ path: '/', user: { kind: 'owner' } }], ...withoutPinner }).run(
        't',
        task({ toolType: 'file_read', params: read('a'), mountSource: ownedDir }),
      );
      assert.equal(outcome.error?.code, 'POLICY_DENIED');
      assert.match(outcome.error?.message ?? '', /cannot pin/);
      assert.equal(runner.calls.length, 0);
    });

    it("runs as the root's fixed user, whoever owns the directory", async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      await executor(runner, { mountRoots: [{ path: root, user: { kind: 'fixed', uid: 2222, gid: 2223 } }] }).run(
        't',
        task({ toolType: 'file_read', params: read('a'), mountSource: ownedDir }),
      );
      assert.equal(runner.calls[0]?.spec.user, '2222:2223');
    });

    it('runs a root-owned mount as nobody', async () => {
      const runner = new FakeRunner(scripted(started(), exit(0)));
      await executor(runner).run('t', task({ toolType: 'list', params: { $case: 'list', list: { path: '' } }, mountSource: rootDir }));
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

  describe('validation before any container', () => {
    const cases: Array<{ name: string; task: () => Task; code: ErrorCode }> = [
      { name: 'an unknown tool', task: () => task({ toolType: 'nope' }), code: 'UNKNOWN_TOOL' },
      { name: 'params of another tool', task: () => task({ toolType: 'file_read', params: fetchUrl('https://x/'), mountSource: ownedDir }), code: 'INVALID_PARAMS' },
      { name: 'no params', task: () => task({ toolType: 'file_read', mountSource: ownedDir }), code: 'INVALID_PARAMS' },
      { name: 'a path leaving the workspace', task: () => task({ toolType: 'file_read', params: read('../etc/passwd'), mountSource: ownedDir }), code: 'PATH_ESCAPE' },
      { name: 'a non-http URL', task: () => task({ toolType: 'fetch_url', params: fetchUrl('file:///etc/passwd') }), code: 'INVALID_URL' },
      { name: 'a mount for a web tool', task: () => task({ toolType: 'fetch_url', params: fetchUrl('https://x/'), mountSource: ownedDir }), code: 'INVALID_PARAMS' },
      { name: 'no mount for a file tool', task: () => task({ toolType: 'file_read', params: read('a') }), code: 'INVALID_PARAMS' },
      { name: 'a relative mount', task: () => task({ toolType: 'file_read', params: read('a'), mountSource: 'rel/dir' }), code: 'INVALID_PARAMS' },
      {
        name: 'a write tool without writable',
        task: () => task({ toolType: 'file_write', params: { $case: 'fileWrite', fileWrite: { path: 'a', content: Buffer.from('x') } }, mountSource: ownedDir }),
        code: 'INVALID_PARAMS',
      },
      { name: 'a missing mount directory', task: () => task({ toolType: 'file_read', params: read('a'), mountSource: join(root, 'missing') }), code: 'MOUNT_NOT_FOUND' },
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
      const outcome = await executor(runner, withPolicy(`mode: strict\nmounts:\n  - path: ${rootDir}\n    access: readwrite\n`, entries)).run(
        'task-p1',
        task({ toolType: 'file_read', params: read('a'), mountSource: ownedDir }),
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
      const outcome = await executor(runner, withPolicy(`mode: strict\nmounts:\n  - path: ${ownedDir}\n    access: readonly\n`, entries)).run(
        't',
        task({ toolType: 'file_read', params: read('a'), mountSource: ownedDir }),
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
      await exec.run('t2', task({ toolType: 'file_read', params: read('a'), mountSource: ownedDir }));
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
      }).run('t', task({ toolType: 'file_read', params: read('a'), mountSource: ownedDir }));
      assert.equal(outcome.error?.code, 'POLICY_DENIED');
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
