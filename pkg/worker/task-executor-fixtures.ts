/** Fakes and builders shared by the TaskExecutor tests (task-executor-*.test.ts). */
import type { PinsMounts } from '../mounts/index.js';
import assert from 'node:assert/strict';
import { chown, mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Task } from '../gen/agent/v1/agent.js';
import type { ContainerSpec, RunEvent, RunOptions, RunsContainers } from '../runtime/index.js';
import { createBuiltinToolRegistry, defineCustomTool, type TaskParams, type ToolRegistry } from '../tools/index.js';
import { TaskExecutor, type TaskExecutorOptions } from './task-executor.js';

export type Script = (signal: AbortSignal, spec: ContainerSpec) => AsyncGenerator<RunEvent>;

/** A runner that plays a script and records what it was asked to run. */
export class FakeRunner implements RunsContainers {
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

export function deferred<T = void>() {
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
export function untilAborted(signal: AbortSignal): Promise<void> {
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

export const started = (runtime = 'runc'): RunEvent => ({ type: 'started', containerId: 'c0ffee', runtime, profile: `baaaht/v1 runtime=${runtime}` });
export const output = (stream: 'stdout' | 'stderr', text: string): RunEvent => ({ type: 'output', stream, data: Buffer.from(text) });
export const exit = (exitCode: number, extra: Partial<Extract<RunEvent, { type: 'exit' }>> = {}): RunEvent => ({
  type: 'exit',
  exitCode,
  oomKilled: false,
  pidsLimitHit: false,
  stdoutTruncated: false,
  stderrTruncated: false,
  ...extra,
});

/** Starts, tells the test it is running, waits to be stopped, then exits as a killed process does. */
export function runUntilStopped(running: { resolve: () => void }): Script {
  return async function* (signal) {
    yield started();
    running.resolve();
    await untilAborted(signal);
    yield exit(137);
  };
}

export function scripted(...events: RunEvent[]): Script {
  return async function* () {
    yield* events;
  };
}

export function registry(): ToolRegistry {
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
export function fakeEgress(refusals: string[] = []): NonNullable<TaskExecutorOptions['egress']> & { asked: string[]; live: Set<string> } {
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
export function fakePinner(): PinsMounts & { pinned: string[]; released: string[] } {
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

export function executor(runner: RunsContainers, overrides: Partial<TaskExecutorOptions> = {}): TaskExecutor {
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

export function task(fields: { toolType: string; params?: TaskParams; mountSource?: string; writable?: boolean; timeoutMs?: number }): Task {
  return Task.fromPartial(fields);
}

export const read = (path: string): TaskParams => ({ $case: 'fileRead', fileRead: { path } });
export const custom = (values: Record<string, string>): TaskParams => ({ $case: 'custom', custom: { values } });
export const fetchUrl = (url: string): TaskParams => ({ $case: 'fetchUrl', fetchUrl: { url } });

/** A temporary root with a directory owned by 1000:1000 and one owned by root. */
async function makeExecutorDirs(): Promise<{ root: string; ownedDir: string; rootDir: string }> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'baaaht-executor-')));
  const ownedDir = join(root, 'owned');
  const rootDir = join(root, 'root-owned');
  await mkdir(ownedDir);
  await mkdir(rootDir);
  await chown(ownedDir, 1000, 1000);
  return { root, ownedDir, rootDir };
}

/** The dirs of makeExecutorDirs for one describe block: made before its tests, removed after. */
export function useExecutorDirs(): { readonly root: string; readonly ownedDir: string; readonly rootDir: string } {
  const dirs = { root: '', ownedDir: '', rootDir: '' };
  before(async () => {
    Object.assign(dirs, await makeExecutorDirs());
  });
  after(async () => {
    await rm(dirs.root, { recursive: true, force: true });
  });
  return dirs;
}
