// The tool suite: every tool end to end, TaskService client → orchestrator → worker (gRPC over a
// Unix socket) → a fresh container on the real Docker engine → result. Nothing here is faked.
// Run under each runtime tier by tools.test.ts (runc) and tools-runsc.test.ts (gVisor).
import assert from 'node:assert/strict';
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { OutputStream, Task, TaskState, type TaskEvent } from '../../pkg/gen/agent/v1/agent.js';
import { engineNanoCpus } from '../../pkg/runtime/index.js';
import { createBuiltinToolRegistry, defineCustomTool, FILE_TOOL_LIMITS, WEB_TOOL_LIMITS } from '../../pkg/tools/index.js';
import { createWorker, type WorkerParts } from '../../pkg/worker/index.js';
import { docker, makeWorkspace, managedContainers, TOOLS_IMAGE, WORKSPACE_UID } from '../support/docker-fixtures.js';
import { requestOk, startWebServer, PAGE_HTML, type WebServer } from '../support/web-server.js';
import { collect, MiB, silentLogger, startOrchestrator, type Harness } from '../rpc/harness.js';

const OUTPUT_CAP = 10 * MiB;

/** The OCI runtimes a suite runs its tools under: one for the file and custom tools, one for the web tools. */
export interface SuiteRuntimes {
  /** Every tool without a network (and the suite's own custom tools). */
  readonly runtime: string;
  /** The web tools (fetch_url, web_search): they need a network the runtime can reach. */
  readonly webRuntime: string;
}

const BUILTIN_TOOLS = ['file_read', 'file_write', 'file_edit', 'grep', 'find', 'list', 'fetch_url', 'web_search'] as const;
const WEB_TOOLS: ReadonlySet<string> = new Set(['fetch_url', 'web_search']);

/**
 * Declares the whole suite under `runtimes`. The engine's default (runc) needs no setting; any
 * other runtime reaches the worker as a config file with `tools.overrides.<tool>.runtime` for
 * every built-in tool, and as the runtime of the suite's custom tools. Every result that ran a
 * container must name the runtime and the profile it ran under.
 */
export function describeToolSuite({ runtime, webRuntime }: SuiteRuntimes, extra?: (suite: () => ToolSuite) => void): void {
  describe(`tools end to end under ${runtime} (orchestrator → worker → real container)`, () => {
    let h: Harness;
    let web: WebServer;
    let worker: WorkerParts;
    let ws: Awaited<ReturnType<typeof makeWorkspace>>;
    let workDir: string;

    before(async () => {
      workDir = await mkdtemp(join(tmpdir(), 'baaaht-e2e-'));
      web = await startWebServer();
      ws = await makeWorkspace({
        'hello.txt': 'hello world\nsecond line\n',
        'notes.md': 'TODO: one\nnothing\ntodo: two\n',
        '-rf.txt': 'a file whose name looks like an option\n',
      });
      h = await startOrchestrator({ maxRecvMsgSize: 100 * MiB, maxSendMsgSize: 100 * MiB });
      const configFile = join(workDir, 'worker.yaml');
      await writeFile(configFile, runtimeOverrides({ runtime, webRuntime }));
      const config = loadWorkerConfig({
        argv: [
          '--config', configFile,
          '--orchestrator-addr', h.address,
          '--name', 'e2e-worker',
          '--heartbeat-interval', '1s',
          '--output-cap', String(OUTPUT_CAP),
          '--cancel-grace', '1s',
          '--shutdown-timeout', '1s',
          '--work-dir', workDir,
          '--search-url-template', `${web.origin}/search?q={query}`,
        ],
        env: TEST_WORKER_ENV,
        homeDir: '/nonexistent',
        hostname: 'e2e',
      });
      const tools = createBuiltinToolRegistry(config.tools);
      tools.register(
        defineCustomTool({
          type: 'probe',
          // /var/tmp is world-writable: only the read-only root filesystem stops the write (under
          // gVisor, touching / itself is refused earlier, as a permission).
          description: 'sleeps, then reports who it is and whether the root filesystem is writable',
          image: TOOLS_IMAGE,
          mount: 'read',
          runtime,
          argv: () => ['sh', '-c', 'sleep 1.5; id -u; touch /var/tmp/probe 2>&1 || true; ls /workspace'],
        }),
      );
      tools.register(
        defineCustomTool({
          type: 'sleeper',
          description: 'prints, then sleeps past any sensible timeout',
          image: TOOLS_IMAGE,
          timeoutMs: 60_000,
          runtime,
          argv: () => ['sh', '-c', 'echo started; sleep 60'],
        }),
      );
      tools.register(
        defineCustomTool({
          type: 'spew',
          description: 'prints more than the output cap',
          image: TOOLS_IMAGE,
          limits: { cpus: 1 },
          runtime,
          argv: () => ['head', '-c', String(12 * MiB), '/dev/zero'],
        }),
      );
      worker = await createWorker(config, silentLogger(), { tools, version: 'test', hostname: 'e2e' });
      await worker.agent.start();
    });

    after(async () => {
      await worker?.agent.shutdown('tests done');
      await h?.close();
      await web?.close();
      await ws?.cleanup();
      await rm(workDir, { recursive: true, force: true });
    });

    const containerOf = (events: TaskEvent[]): string | undefined => {
      for (const e of events) if (e.event?.$case === 'running') return e.event.running.containerId;
      return undefined;
    };

    const expectedRuntime = (toolType: string): string => (WEB_TOOLS.has(toolType) ? webRuntime : runtime);

    /** Runs a task; when it ran a container, its result must name the runtime and profile it ran under. */
    const run = async (task: Parameters<typeof Task.fromPartial>[0], signal?: AbortSignal) => {
      const r = await collect(h.tasks.runTask({ task: Task.fromPartial(task) }, signal ? { signal } : {}));
      if (containerOf(r.events) !== undefined) {
        const want = expectedRuntime(task.toolType ?? '');
        assert.equal(r.result.runtime, want, `${task.toolType} ran under ${want}`);
        assert.match(r.result.profile, new RegExp(`^baaaht/v1 runtime=${want} `), r.result.profile);
      }
      return r;
    };

    extra?.(() => ({ run, worker, workspace: ws.dir, web }));

    it('file_read returns the file through the whole loop', async () => {
      const r = await run({ toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead', fileRead: { path: 'hello.txt' } } });
      assert.equal(r.result.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(r.result.exitCode, 0);
      assert.equal(r.stdout, 'hello world\nsecond line\n');
      assert.equal(r.result.stdout.toString(), 'hello world\nsecond line\n');
      assert.equal(r.result.worker, 'e2e-worker');
      assert.equal(r.result.runtime, runtime);
      assert.match(r.result.profile, new RegExp(`^baaaht/v1 runtime=${runtime} network=none workspace=ro user=${WORKSPACE_UID}:`));
    });

    it('file_read of a file named like an option reads it', async () => {
      const r = await run({ toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead', fileRead: { path: '-rf.txt' } } });
      assert.equal(r.stdout, 'a file whose name looks like an option\n');
    });

    it('file_write writes 10 MiB that round-trip byte for byte, owned by the mount owner', async () => {
      const content = Buffer.alloc(10 * MiB);
      for (let i = 0; i < content.length; i++) content[i] = (i * 31 + 7) % 256;
      const w = await run({
        toolType: 'file_write',
        mountSource: ws.dir,
        writable: true,
        params: { $case: 'fileWrite', fileWrite: { path: 'out/big.bin', content } },
      });
      assert.equal(w.result.state, TaskState.TASK_STATE_COMPLETED, w.stderr);
      assert.match(w.stdout, /wrote 10485760 bytes/);
      const onHost = await readFile(join(ws.dir, 'out/big.bin'));
      assert.ok(onHost.equals(content), 'the host file has the same bytes');
      assert.equal((await stat(join(ws.dir, 'out/big.bin'))).uid, WORKSPACE_UID);
      const r = await run({ toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead', fileRead: { path: 'out/big.bin' } } });
      assert.equal(r.result.stdoutTruncated, false);
      assert.ok(r.result.stdout.equals(content), 'file_read returns the same bytes');
    });

    it('file_write content with shell metacharacters stays data', async () => {
      const content = Buffer.from('$(touch /workspace/pwned) `id` ; rm -rf / && echo "x" \'y\'\n');
      const w = await run({
        toolType: 'file_write',
        mountSource: ws.dir,
        writable: true,
        params: { $case: 'fileWrite', fileWrite: { path: 'meta.txt', content } },
      });
      assert.equal(w.result.state, TaskState.TASK_STATE_COMPLETED);
      assert.ok((await readFile(join(ws.dir, 'meta.txt'))).equals(content));
      await assert.rejects(stat(join(ws.dir, 'pwned')));
    });

    it('file_edit replaces literal text everywhere and says how often', async () => {
      await run({
        toolType: 'file_write',
        mountSource: ws.dir,
        writable: true,
        params: { $case: 'fileWrite', fileWrite: { path: 'edit.txt', content: Buffer.from('a.b a.b axb\n') } },
      });
      const e = await run({
        toolType: 'file_edit',
        mountSource: ws.dir,
        writable: true,
        params: { $case: 'fileEdit', fileEdit: { path: 'edit.txt', search: 'a.b', replace: '[$1]' } },
      });
      assert.equal(e.result.state, TaskState.TASK_STATE_COMPLETED);
      assert.match(e.stdout, /replaced 2 occurrences/);
      assert.equal(await readFile(join(ws.dir, 'edit.txt'), 'utf8'), '[$1] [$1] axb\n');
      const missing = await run({
        toolType: 'file_edit',
        mountSource: ws.dir,
        writable: true,
        params: { $case: 'fileEdit', fileEdit: { path: 'edit.txt', search: 'absent', replace: '' } },
      });
      assert.equal(missing.result.exitCode, 1);
      assert.match(missing.stderr, /not found/);
    });

    it('grep finds matches with line numbers, case-insensitively and recursively', async () => {
      const r = await run({
        toolType: 'grep',
        mountSource: ws.dir,
        params: { $case: 'grep', grep: { pattern: 'todo:\\s+\\w+', path: '.', recursive: true, ignoreCase: true } },
      });
      assert.equal(r.result.exitCode, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').sort();
      assert.deepEqual(lines, ['/workspace/notes.md:1:TODO: one', '/workspace/notes.md:3:todo: two']);
    });

    it('grep takes a pattern that looks like an option as a pattern', async () => {
      const r = await run({ toolType: 'grep', mountSource: ws.dir, params: { $case: 'grep', grep: { pattern: '--help', path: 'hello.txt' } } });
      assert.equal(r.result.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(r.result.exitCode, 1, 'no match, and no help text');
      assert.equal(r.stdout, '');
    });

    it('find lists files by name and type', async () => {
      const r = await run({ toolType: 'find', mountSource: ws.dir, params: { $case: 'find', find: { path: '.', name: '*.md', type: 'f' } } });
      assert.equal(r.stdout.trim(), '/workspace/notes.md');
    });

    it('list shows a directory', async () => {
      const r = await run({ toolType: 'list', mountSource: ws.dir, params: { $case: 'list', list: { path: '' } } });
      assert.equal(r.result.exitCode, 0);
      assert.match(r.stdout, /hello\.txt/);
      assert.match(r.stdout, /notes\.md/);
    });

    it('fetch_url fetches a local page, following redirects, with a network', async () => {
      const r = await run({ toolType: 'fetch_url', params: { $case: 'fetchUrl', fetchUrl: { url: `${web.origin}/redirect` } } });
      assert.equal(r.result.state, TaskState.TASK_STATE_COMPLETED, r.stderr);
      assert.equal(r.stdout, PAGE_HTML);
      const missing = await run({ toolType: 'fetch_url', params: { $case: 'fetchUrl', fetchUrl: { url: `${web.origin}/nope` } } });
      assert.notEqual(missing.result.exitCode, 0, 'an HTTP error is a failed fetch');
    });

    it('fetch_url streams the body as it arrives, not when curl exits', async () => {
      // The server sends "first part", then waits for /release before "second part": the first
      // part must reach the client while the fetch is still running.
      const key = randomBytes(6).toString('hex');
      const events = h.tasks.runTask({ task: Task.fromPartial({ toolType: 'fetch_url', params: { $case: 'fetchUrl', fetchUrl: { url: `${web.origin}/drip?k=${key}` } } }) });
      let seen = '';
      let firstAlone = false;
      let result: TaskEvent['event'] | undefined;
      for await (const e of events) {
        if (e.event?.$case === 'output' && e.event.output.stream === OutputStream.OUTPUT_STREAM_STDOUT) {
          if (seen === '') {
            firstAlone = e.event.output.data.toString() === 'first part\n';
            assert.ok(await requestOk(`${web.origin}/release?k=${key}`), 'released the rest');
          }
          seen += e.event.output.data.toString();
        }
        if (e.event?.$case === 'result') result = e.event;
      }
      assert.equal(result?.$case === 'result' && result.result.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(seen, 'first part\nsecond part\n');
      assert.ok(firstAlone, 'the first part arrived on its own, before the server sent the rest');
    });

    it('web_search queries the configured search URL with the query encoded', async () => {
      const r = await run({ toolType: 'web_search', params: { $case: 'webSearch', webSearch: { query: 'baaaht & friends?' } } });
      assert.equal(r.stdout, 'results for: baaaht & friends?\n');
      assert.ok(web.requests.includes('/search?q=baaaht%20%26%20friends%3F'));
    });

    it('file tools run with no network; web tools on a network; both locked down (inspected while running)', async () => {
      const probe = run({ toolType: 'probe', mountSource: ws.dir, params: { $case: 'custom', custom: { values: {} } } });
      const web1 = run({ toolType: 'fetch_url', params: { $case: 'fetchUrl', fetchUrl: { url: `${web.origin}/slow` } } });
      const seen = new Map<string, Awaited<ReturnType<ReturnType<typeof docker.getContainer>['inspect']>>>();
      const deadline = Date.now() + 10_000;
      while (seen.size < 2 && Date.now() < deadline) {
        for (const c of await managedContainers()) {
          const tool = c.Labels['io.baaaht.tool'];
          if ((tool === 'probe' || tool === 'fetch_url') && !seen.has(tool) && c.State === 'running') {
            // It may be gone between the listing and the inspection: then look again.
            const info = await docker.getContainer(c.Id).inspect().catch(() => undefined);
            if (info) seen.set(tool, info);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [p, f] = await Promise.all([probe, web1]);
      assert.equal(f.stdout, 'slow answer\n');
      const probeInfo = seen.get('probe');
      const fetchInfo = seen.get('fetch_url');
      assert.ok(probeInfo && fetchInfo, 'both containers were seen running');
      for (const info of [probeInfo, fetchInfo]) {
        assert.equal(info.HostConfig.ReadonlyRootfs, true);
        assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
        assert.ok(info.HostConfig.SecurityOpt?.includes('no-new-privileges:true'));
        assert.equal(info.HostConfig.Init, true);
        assert.ok((info.HostConfig.PidsLimit ?? 0) > 0);
        assert.ok((info.HostConfig.Memory ?? 0) > 0);
        assert.ok((info.HostConfig.NanoCpus ?? 0) > 0);
        assert.notEqual(info.Config.User.split(':')[0], '0');
        assert.equal(info.Config.Labels['io.baaaht.worker-id'], 'e2e-worker');
      }
      // The tool's CPU limit, plus the sandbox's share under gVisor (engineNanoCpus).
      assert.equal(probeInfo.HostConfig.NanoCpus, engineNanoCpus(FILE_TOOL_LIMITS.cpus, runtime));
      assert.equal(fetchInfo.HostConfig.NanoCpus, engineNanoCpus(WEB_TOOL_LIMITS.cpus, webRuntime));
      assert.equal(probeInfo.HostConfig.Runtime, runtime, 'the file tool container runs under the suite runtime');
      assert.equal(fetchInfo.HostConfig.Runtime, webRuntime, 'the web tool container runs under the web runtime');
      assert.equal(probeInfo.HostConfig.NetworkMode, 'none');
      assert.equal(fetchInfo.HostConfig.NetworkMode, 'baaaht-egress', 'web tools sit on the internal egress network');
      assert.equal(fetchInfo.HostConfig.Mounts?.length ?? 0, 0, 'web tools get no files');
      const mount = probeInfo.Mounts.find((m) => m.Destination === '/workspace');
      assert.equal(mount?.RW, false, 'read tools get a read-only workspace');
      const [uid, touch] = p.stdout.split('\n');
      assert.equal(uid, String(WORKSPACE_UID), 'runs as the mount owner');
      assert.match(touch ?? '', /Read-only file system/);
    });

    it('kills a task at its timeout and keeps the output produced so far', async () => {
      const started = Date.now();
      // The timeout covers create and start too: gVisor on 2 busy cores once took over 4 s to get
      // to the echo, so the timeout leaves it 8.
      const r = await run({ toolType: 'sleeper', timeoutMs: 8000, params: { $case: 'custom', custom: { values: {} } } });
      assert.equal(r.result.state, TaskState.TASK_STATE_TIMEOUT);
      assert.equal(r.result.error?.code, 'TOOL_TIMEOUT');
      assert.equal(r.stdout, 'started\n');
      assert.ok(Date.now() - started < 20_000);
      assert.deepEqual(await managedContainers(r.taskId), []);
    });

    it('streams output while the task runs, and cancel stops and removes its container', async () => {
      const events: TaskEvent[] = [];
      let cancelled: boolean | undefined;
      for await (const event of h.tasks.runTask({ task: Task.fromPartial({ toolType: 'sleeper', params: { $case: 'custom', custom: { values: {} } } }) })) {
        events.push(event);
        if (event.event?.$case === 'output' && cancelled === undefined) {
          // The output arrived while the process still sleeps: it was streamed, not buffered.
          assert.equal(event.event.output.data.toString(), 'started\n');
          const running = await managedContainers(event.taskId);
          assert.equal(running.length, 1);
          assert.equal(running[0]?.State, 'running');
          cancelled = (await h.tasks.cancelTask({ taskId: event.taskId, force: false })).found;
        }
      }
      assert.equal(cancelled, true);
      const last = events.at(-1);
      assert.equal(last?.event?.$case, 'result');
      if (last?.event?.$case !== 'result') return;
      assert.equal(last.event.result.state, TaskState.TASK_STATE_CANCELLED);
      assert.equal(last.event.result.error?.code, 'CANCELLED');
      assert.deepEqual(await managedContainers(last.taskId), []);
    });

    it('caps output past the limit and flags it', async () => {
      const r = await run({ toolType: 'spew', params: { $case: 'custom', custom: { values: {} } } });
      assert.equal(r.result.state, TaskState.TASK_STATE_COMPLETED);
      assert.equal(r.result.stdoutTruncated, true);
      assert.equal(r.result.stdout.length, OUTPUT_CAP);
    });

    describe('bad input gets a typed error, starts nothing, and the worker keeps serving', () => {
      const cases: Array<[string, Parameters<typeof Task.fromPartial>[0], string]> = [
        ['path escape with ..', { toolType: 'file_read', params: { $case: 'fileRead', fileRead: { path: '../../etc/passwd' } } }, 'PATH_ESCAPE'],
        ['absolute path outside', { toolType: 'file_read', params: { $case: 'fileRead', fileRead: { path: '/etc/passwd' } } }, 'PATH_ESCAPE'],
        ['NUL byte', { toolType: 'file_read', params: { $case: 'fileRead', fileRead: { path: 'a\0b' } } }, 'INVALID_PARAMS'],
        ['unknown tool', { toolType: 'rm_rf', params: { $case: 'custom', custom: { values: {} } } }, 'UNKNOWN_TOOL'],
        ['missing parameters', { toolType: 'grep' }, 'INVALID_PARAMS'],
        ['ill-typed parameters', { toolType: 'grep', params: { $case: 'fileRead', fileRead: { path: 'x' } } }, 'INVALID_PARAMS'],
        ['non-http URL', { toolType: 'fetch_url', params: { $case: 'fetchUrl', fetchUrl: { url: 'file:///etc/passwd' } } }, 'INVALID_URL'],
        ['invalid regex', { toolType: 'grep', params: { $case: 'grep', grep: { pattern: '(unclosed', path: '.' } } }, 'INVALID_PATTERN'],
        ['mount that does not exist', { toolType: 'list', mountSource: '/nonexistent/baaaht', params: { $case: 'list', list: { path: '' } } }, 'MOUNT_NOT_FOUND'],
        ['mount of the host root', { toolType: 'list', mountSource: '/', params: { $case: 'list', list: { path: '' } } }, 'POLICY_DENIED'],
        ['mount of the directory holding the Docker socket', { toolType: 'list', mountSource: '/var/run', params: { $case: 'list', list: { path: '' } } }, 'POLICY_DENIED'],
        ['write without writable', { toolType: 'file_write', params: { $case: 'fileWrite', fileWrite: { path: 'x', content: Buffer.from('x') } } }, 'INVALID_PARAMS'],
      ];
      for (const [name, task, code] of cases) {
        it(name, async () => {
          const withMount = { mountSource: task.toolType?.startsWith('f') && task.toolType !== 'fetch_url' ? ws.dir : '', ...task };
          const r = await run(withMount);
          assert.equal(r.result.state, TaskState.TASK_STATE_FAILED);
          assert.equal(r.result.error?.code, code, r.result.error?.message);
          assert.ok((r.result.error?.message ?? '').length > 10, 'a clear message');
          assert.equal(containerOf(r.events), undefined, 'no container started');
          assert.deepEqual(await managedContainers(r.taskId), []);
        });
      }

      it('the worker still serves after all of that', async () => {
        const r = await run({ toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead', fileRead: { path: 'hello.txt' } } });
        assert.equal(r.result.state, TaskState.TASK_STATE_COMPLETED);
        assert.equal(worker.agent.state, 'RUNNING');
        assert.equal(worker.agent.connectionState, 'READY');
      });
    });

    it('shutdown cancels a running task, reports it, unregisters, and removes the container', async () => {
      const events: TaskEvent[] = [];
      let shutdown: Promise<void> | undefined;
      for await (const event of h.tasks.runTask({ task: Task.fromPartial({ toolType: 'sleeper', params: { $case: 'custom', custom: { values: {} } } }) })) {
        events.push(event);
        if (event.event?.$case === 'output') shutdown ??= worker.agent.shutdown('test shutdown');
      }
      await shutdown;
      const last = events.at(-1);
      assert.equal(last?.event?.$case, 'result');
      if (last?.event?.$case !== 'result') return;
      assert.equal(last.event.result.state, TaskState.TASK_STATE_CANCELLED);
      assert.equal(last.event.result.error?.code, 'WORKER_SHUTDOWN');
      assert.equal(last.event.result.stdout.toString(), 'started\n');
      assert.equal(worker.agent.state, 'STOPPED');
      assert.equal(worker.agent.connectionState, 'SHUTDOWN');
      assert.deepEqual(await managedContainers(last.taskId), []);
      const listed = await h.tasks.listWorkers({});
      assert.deepEqual(listed.workers.map((w) => w.name), [], 'unregistered');
    });

    it('leaves no container behind', async () => {
      const left = (await managedContainers()).filter((c) => c.Labels['io.baaaht.worker-id'] === 'e2e-worker');
      assert.deepEqual(left.map((c) => c.Names), []);
    });
  });
}

/** What the worker's config file says for a suite: nothing for runc, a runtime per built-in tool otherwise. */
function runtimeOverrides({ runtime, webRuntime }: SuiteRuntimes): string {
  const lines = ['tools:', '  overrides:'];
  for (const tool of BUILTIN_TOOLS) {
    const wanted = WEB_TOOLS.has(tool) ? webRuntime : runtime;
    lines.push(wanted === 'runc' ? `    ${tool}: {}` : `    ${tool}: { runtime: ${wanted} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** What a runtime variant may use to add its own cases inside the suite (after `before` ran). */
export interface ToolSuite {
  readonly run: (task: Parameters<typeof Task.fromPartial>[0], signal?: AbortSignal) => Promise<Awaited<ReturnType<typeof collect>>>;
  readonly worker: WorkerParts;
  readonly workspace: string;
  readonly web: WebServer;
}
