import { isWorkerError, toTaskError, WorkerError } from '../errors/index.js';
import type { Task } from '../gen/agent/v1/agent.js';
import { type RunsContainers, taskContainerLabels } from '../runtime/index.js';
import type { ToolRegistry } from '../tools/index.js';
import { WORKSPACE_DIR } from '../tools/tool-spec.js';
import { containerUserFor, resolveMount } from './resolve-mount.js';
import { abortKindOf, TaskAbortReason, type TaskAbortKind } from './task-abort-reason.js';
import type { FinalState, TaskOutcome, TaskProgress } from './task-outcome.js';

export interface TaskExecutorOptions {
  readonly runner: RunsContainers;
  readonly tools: ToolRegistry;
  /** Put on every container's labels. */
  readonly workerId: string;
  readonly outputCapBytes: number;
  readonly cancelGraceMs: number;
  readonly defaultRuntime: string;
  /** Host files no mount may contain, e.g. the Docker socket. */
  readonly protectedFiles?: readonly string[];
}

export interface RunTaskOptions {
  /** The caller's own abort (e.g. its call went away): the task ends CANCELLED. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: TaskProgress) => void | Promise<void>;
}

/**
 * Runs tasks, each in a fresh container, and cancels them. It never throws for a task:
 * every failure becomes a FAILED outcome with a typed error.
 */
export class TaskExecutor {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly options: TaskExecutorOptions) {}

  get activeTaskIds(): string[] {
    return [...this.running.keys()];
  }

  /** Stops a running task: SIGTERM, then SIGKILL after the grace (at once with `force`). */
  cancelTask(taskId: string, { force = false, kind = 'CALLER_CANCEL' }: { force?: boolean; kind?: TaskAbortKind } = {}): boolean {
    return this.abort(taskId, new TaskAbortReason(kind, force ? 0 : this.options.cancelGraceMs));
  }

  abort(taskId: string, reason: TaskAbortReason): boolean {
    const controller = this.running.get(taskId);
    if (!controller) return false;
    controller.abort(reason);
    return true;
  }

  async run(taskId: string, task: Task, { signal, onProgress }: RunTaskOptions = {}): Promise<TaskOutcome> {
    const startedAt = performance.now();
    let runtime = '';
    let timeoutMs = 0;
    if (this.running.has(taskId)) {
      return failed(startedAt, runtime, new WorkerError('INVALID_PARAMS', `task ${taskId} is already running`));
    }
    const controller = new AbortController();
    this.running.set(taskId, controller);
    const forwardCallerAbort = (): void => controller.abort(new TaskAbortReason('CALLER_CANCEL', this.options.cancelGraceMs));
    signal?.addEventListener('abort', forwardCallerAbort, { once: true });
    if (signal?.aborted) forwardCallerAbort();
    try {
      const spec = this.options.tools.require(task.toolType);
      runtime = spec.runtime ?? this.options.defaultRuntime;
      const invocation = spec.buildInvocation(task.params);
      const mount = await resolveMount(spec.type, spec.mount, task.mountSource, task.writable, this.options.protectedFiles);
      timeoutMs = task.timeoutMs > 0 ? Math.min(task.timeoutMs, spec.timeoutMs) : spec.timeoutMs;
      const timeout = AbortSignal.timeout(timeoutMs);
      timeout.addEventListener('abort', () => controller.abort(new TaskAbortReason('TIMEOUT', 0)), { once: true });
      if (controller.signal.aborted) return stopped(startedAt, runtime, controller.signal.reason, timeoutMs);

      const events = this.options.runner.run(
        {
          image: spec.image,
          argv: invocation.argv,
          ...(invocation.env ? { env: invocation.env } : {}),
          ...(invocation.stdin ? { stdin: invocation.stdin } : {}),
          workingDir: WORKSPACE_DIR,
          user: containerUserFor(mount),
          labels: taskContainerLabels({ workerId: this.options.workerId, taskId, tool: spec.type }),
          ...(mount ? { mount: { source: mount.source, target: WORKSPACE_DIR, writable: mount.writable } } : {}),
          network: spec.network,
          limits: spec.limits,
          ...(spec.runtime ? { runtime: spec.runtime } : {}),
        },
        { signal: controller.signal, outputCapBytes: this.options.outputCapBytes },
      );
      for await (const event of events) {
        if (event.type === 'started') {
          runtime = event.runtime;
          await onProgress?.({ type: 'running', containerId: event.containerId, runtime: event.runtime });
        } else if (event.type === 'output') {
          await onProgress?.(event);
        } else {
          const base = {
            exitCode: event.exitCode,
            stdoutTruncated: event.stdoutTruncated,
            stderrTruncated: event.stderrTruncated,
            durationMs: elapsed(startedAt),
            runtime,
          };
          if (controller.signal.aborted) return { ...stopped(startedAt, runtime, controller.signal.reason, timeoutMs), ...base };
          if (event.oomKilled) {
            return {
              ...base,
              state: 'FAILED',
              error: { code: 'OUT_OF_MEMORY', message: `${spec.type} ran out of memory (limit ${spec.limits.memoryBytes} bytes)` },
            };
          }
          return { ...base, state: 'COMPLETED' };
        }
      }
      throw new Error('container run ended without an exit');
    } catch (error) {
      if (controller.signal.aborted && !isWorkerError(error)) {
        return stopped(startedAt, runtime, controller.signal.reason, timeoutMs);
      }
      return failed(startedAt, runtime, error);
    } finally {
      signal?.removeEventListener('abort', forwardCallerAbort);
      this.running.delete(taskId);
    }
  }
}

function elapsed(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}

function failed(startedAt: number, runtime: string, error: unknown): TaskOutcome {
  return {
    state: 'FAILED',
    exitCode: -1,
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: elapsed(startedAt),
    runtime,
    error: toTaskError(error),
  };
}

function stopped(startedAt: number, runtime: string, reason: unknown, timeoutMs: number): TaskOutcome {
  const kind = abortKindOf(reason);
  const state: FinalState = kind === 'TIMEOUT' ? 'TIMEOUT' : 'CANCELLED';
  const error =
    kind === 'TIMEOUT'
      ? { code: 'TOOL_TIMEOUT' as const, message: `the task ran longer than its timeout of ${timeoutMs} ms and was killed` }
      : kind === 'WORKER_SHUTDOWN'
        ? { code: 'WORKER_SHUTDOWN' as const, message: 'the worker is shutting down; the task was stopped' }
        : { code: 'CANCELLED' as const, message: `the task was cancelled (${kind.toLowerCase().replace('_', ' ')})` };
  return { state, exitCode: -1, stdoutTruncated: false, stderrTruncated: false, durationMs: elapsed(startedAt), runtime, error };
}
