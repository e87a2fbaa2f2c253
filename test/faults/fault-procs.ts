// The real processes of the fault tests in engine-outage.test.ts and dead-worker-containers.test.ts:
// bin/orchestrator, bin/worker and bin/task on one socket in a temporary directory.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before } from 'node:test';
import { LABELS } from '../../pkg/runtime/index.js';
import { docker, managedContainers, TOOLS_IMAGE } from '../support/docker-fixtures.js';
import { runBin, startBin, waitUntil, type Proc } from '../support/processes.js';

/** What `bin/task get --json` says of a task, as far as these tests look. */
export type TaskJson = { readonly state: string; readonly cause: string; readonly retryable: boolean; readonly exitCode: number; readonly attempt?: number; readonly worker?: string };

export function faultProcs(dir: string, toolsConfig: string) {
  const addr = `unix://${dir}/grpc.sock`;
  const procs: Proc[] = [];
  const started = (p: Proc): Proc => (procs.push(p), p);
  const get = async (taskId: string): Promise<TaskJson | undefined> => {
    // Its exit status follows the task's state: the JSON on stdout is what tells.
    const { stdout } = await runBin('task', ['--orchestrator-addr', addr, 'get', taskId, '--json']);
    return stdout.trimStart().startsWith('{') ? (JSON.parse(stdout) as TaskJson) : undefined;
  };
  const workers = async (): Promise<Array<{ name: string; connected: boolean; healthy: boolean }>> => {
    const r = await runBin('task', ['--orchestrator-addr', addr, 'workers', '--json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as Array<{ name: string; connected: boolean; healthy: boolean }>) : [];
  };
  return {
    orchestrator: ({ maxAttempts = 1, workerTimeout = '60s' }: { maxAttempts?: number; workerTimeout?: string } = {}): Proc =>
      started(startBin('orchestrator', ['--listen', addr, '--data-dir', join(dir, 'data'), '--max-attempts', String(maxAttempts), '--worker-timeout', workerTimeout])),
    worker: (name: string): Proc =>
      started(
        startBin('worker', [
          '--orchestrator-addr', addr, '--name', name, '--config', toolsConfig, '--work-dir', join(dir, `work-${name}`),
          '--heartbeat-interval', '500ms', '--reconnect-interval', '200ms', '--reconnect-max-interval', '1s', '--dial-timeout', '1s',
          '--reap-interval', '1s', '--engine-check-interval', '1s',
        ]),
      ),
    task: async (...args: string[]): Promise<string> => (await runBin('task', ['--orchestrator-addr', addr, ...args])).stdout.trim(),
    get,
    registered: (name: string) => waitUntil(async () => (await workers()).some((w) => w.name === name && w.connected), 20_000, `${name} registered`),
    /** Waits until the orchestrator has `name`'s heartbeat saying the engine is (or is not) healthy. */
    reportsHealthy: (name: string, healthy: boolean, timeoutMs: number) =>
      waitUntil(async () => (await workers()).some((w) => w.name === name && w.healthy === healthy), timeoutMs, `${name} healthy=${healthy}`),
    finished: (taskId: string, timeoutMs = 60_000) =>
      waitUntil(async () => {
        const t = await get(taskId);
        return t && !['QUEUED', 'RUNNING'].includes(t.state) ? t : undefined;
      }, timeoutMs, `task ${taskId} finished`),
    runningContainer: (taskId: string) =>
      waitUntil(async () => (await managedContainers(taskId)).find((c) => c.State === 'running'), 20_000, `container of ${taskId}`),
    stopAll: async (): Promise<void> => {
      for (const p of procs.splice(0)) await p.stop('SIGKILL');
    },
  };
}

/** A worker config with the tools image's sleeper and `extra` (YAML list items under tools.custom). */
export function faultToolsYaml(image: string, extra = ''): string {
  return `tools:
  custom:
    - name: sleeper
      description: sleeps for a while
      image: ${image}
      command: [sleep, '{seconds}']
      params:
        seconds: { type: integer, required: true, min: 0, max: 100000 }
      network: none
      timeout: 120s
${extra}`;
}

/**
 * Fault processes for one describe block: a temporary directory with the sleeper config, every
 * process killed after each test, and at the end the exited containers of its workers (whose
 * names start with `workerPrefix`; no worker of their name starts again to reap them) removed.
 */
export function useFaultProcs(workerPrefix: string): { readonly procs: () => ReturnType<typeof faultProcs>; readonly dir: () => string } {
  let dir = '';
  let procs: ReturnType<typeof faultProcs> | undefined;
  before(async () => {
    dir = await mkdtemp('/tmp/bfp-');
    await writeFile(join(dir, 'tools.yaml'), faultToolsYaml(TOOLS_IMAGE));
    procs = faultProcs(dir, join(dir, 'tools.yaml'));
  });
  afterEach(async () => {
    await procs?.stopAll();
  });
  after(async () => {
    for (const c of await managedContainers()) {
      if (c.Labels[LABELS.workerId]?.startsWith(workerPrefix)) await docker.getContainer(c.Id).remove({ force: true });
    }
    await rm(dir, { recursive: true, force: true });
  });
  return { procs: () => procs!, dir: () => dir };
}
