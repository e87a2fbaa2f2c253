/**
 * The real bin/worker (built by `npm run build`) started against a scripted orchestrator, with a
 * workspace of its own and three configured tools that make long or large runs on demand.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Task, type OrchestratorMessage, type WorkerMessage } from '../../pkg/gen/agent/v1/agent.js';
import { startBin, type Proc } from '../support/processes.js';
import { TOOLS_IMAGE } from '../support/docker-fixtures.js';
import type { ScriptedOrchestrator } from './scripted-orchestrator.js';

const TOOLS_YAML = `tools:
  custom:
    - name: sleeper
      description: sleeps
      image: ${TOOLS_IMAGE}
      command: [sleep, "{seconds}"]
      params:
        seconds: { type: integer, required: true, min: 0, max: 600 }
      timeout: 10m
    - name: spew
      description: writes n zero bytes to stdout
      image: ${TOOLS_IMAGE}
      command: [head, -c, "{bytes}", /dev/zero]
      params:
        bytes: { type: integer, required: true, min: 0, max: 100000000 }
      cpus: 1
    - name: ticker
      description: prints a line every 200 ms, n times
      image: ${TOOLS_IMAGE}
      command: [sh, -c, 'i=0; while [ "$i" -lt "$1" ]; do echo "tick $i"; i=$((i+1)); sleep 0.2; done', sh, "{n}"]
      params:
        n: { type: integer, required: true, min: 0, max: 10000 }
      timeout: 10m
`;

export interface ConformanceWorker {
  readonly proc: Proc;
  /** A directory under a mount root, holding hello.txt ("hello conformance\\n"). */
  readonly workspace: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const HELLO_TEXT = 'hello conformance\n';

/** Starts bin/worker against `orchestrator`; `args` are added to (and may override) the defaults. */
export async function startConformanceWorker(orchestrator: ScriptedOrchestrator, args: readonly string[] = []): Promise<ConformanceWorker> {
  const workspace = join(orchestrator.dir, 'workspace');
  await mkdir(workspace, { recursive: true });
  await writeFile(join(workspace, 'hello.txt'), HELLO_TEXT);
  const config = join(orchestrator.dir, 'worker.yaml');
  await writeFile(config, TOOLS_YAML);
  const proc = startBin('worker', [
    '--orchestrator-addr', orchestrator.address,
    '--config', config,
    '--name', 'conformance-worker',
    '--work-dir', join(orchestrator.dir, 'work'),
    '--heartbeat-interval', '1s',
    '--reconnect-interval', '100ms',
    '--reconnect-max-interval', '1s',
    '--cancel-grace', '1s',
    '--shutdown-timeout', '5s',
    '--log-level', 'debug',
    ...args,
  ]);
  return { proc, workspace, stop: (signal) => proc.stop(signal) };
}

export function readTask(workspace: string, path = 'hello.txt'): Task {
  return Task.fromPartial({ toolType: 'file_read', mountSource: workspace, params: { $case: 'fileRead', fileRead: { path } } });
}

export function customTask(toolType: string, values: Record<string, string>): Task {
  return Task.fromPartial({ toolType, params: { $case: 'custom', custom: { values } } });
}

export function assign(taskId: string, task: Task, leaseEpoch = 1, attempt = 1): OrchestratorMessage {
  return { taskId, command: { $case: 'assign', assign: { task, leaseEpoch, attempt } } };
}

export function ack(taskId: string, leaseEpoch: number, accepted = true): OrchestratorMessage {
  return { taskId, command: { $case: 'ack', ack: { leaseEpoch, accepted } } };
}

export function cancel(taskId: string, leaseEpoch = 0, force = false): OrchestratorMessage {
  return { taskId, command: { $case: 'cancel', cancel: { force, reason: 'conformance test', leaseEpoch } } };
}

type EventCase = NonNullable<WorkerMessage['event']>['$case'];

/** The messages about `taskId` (any stream), optionally of one kind. */
export function about(orchestrator: ScriptedOrchestrator, taskId: string, kind?: EventCase): WorkerMessage[] {
  return orchestrator.received.map((r) => r.message).filter((m) => m.taskId === taskId && (kind === undefined || m.event?.$case === kind));
}

/** The stdout a task's output chunks carry, placed by offset (as an orchestrator must). */
export function stdoutOf(messages: readonly WorkerMessage[]): Buffer {
  let out = Buffer.alloc(0);
  for (const m of messages) {
    if (m.event?.$case !== 'output' || m.event.output.stream !== 1) continue;
    const { data, offset } = m.event.output;
    const at = offset ?? out.length;
    if (at + data.length <= out.length) continue;
    out = Buffer.concat([out.subarray(0, at), data]);
  }
  return out;
}
