import { randomBytes } from 'node:crypto';
import { isWorkerError, toTaskError, WorkerError } from '../errors/index.js';
import type { Task } from '../gen/agent/v1/agent.js';
import { type EngineRuntimes, type RunsContainers, taskContainerLabels } from '../runtime/index.js';
import { evaluatePolicy, STRICT_DEFAULT_POLICY, type AuditEntry, type Policy } from '../policy/index.js';
import type { ToolRegistry } from '../tools/index.js';
import { WORKSPACE_DIR } from '../tools/tool-spec.js';
import type { EngineHealthView } from './engine-health.js';
import { NOBODY, taskUserFor, type MountRoot, type PinnedMount, type PinsMounts } from '../mounts/index.js';
import { resolveMount, type ResolvedMount } from './resolve-mount.js';
import { abortKindOf, TaskAbortReason, type TaskAbortKind } from './task-abort-reason.js';
import { makeOutcome, type OutcomeFacts, type RunOutcome, type TaskProgress } from './run-outcome.js';
import { sessionRefusal } from './session-refusal.js';
import { toolRuntimeProblem } from './tool-runtime-problem.js';

export interface TaskExecutorOptions {
  readonly runner: RunsContainers;
  readonly tools: ToolRegistry;
  /** Put on every container's labels. */
  readonly workerId: string;
  /** New each start of the worker process; on every container's labels. */
  readonly bootId?: string;
  readonly outputCapBytes: number;
  readonly cancelGraceMs: number;
  readonly defaultRuntime: string;
  /**
   * Host paths no mount may be, contain or lie inside: the Docker socket, the worker's own state,
   * config, policy and TLS files, the orchestrator's data (see checkMountAllowed).
   */
  readonly protectedPaths?: readonly string[];
  /** The operator's mount roots (--mount-root); the policy's are added. None: nothing is mounted. */
  readonly mountRoots?: readonly MountRoot[];
  /**
   * Pins each judged directory where only the worker can reach it, so that the engine binds the
   * object that was judged (see MountPinner). A task with a mount fails without one.
   */
  readonly pinner?: PinsMounts;
  /** While the engine is down, tasks are refused at once with ENGINE_UNAVAILABLE. */
  readonly engineHealth?: EngineHealthView;
  /** The policy in force, read for every task (a PolicyHolder swaps it on reload); strict default when absent. */
  readonly policy?: { readonly current: Policy };
  /** Where every policy decision is written; a task whose decisions cannot be written does not run. */
  readonly audit?: { append(entries: readonly AuditEntry[]): Promise<void> };
  /**
   * The engine's runtimes: a runtime the policy forces on a task must be registered, and have a
   * network when the tool needs one, or the task is refused (POLICY_DENIED) before any container.
   */
  readonly engineRuntimes?: EngineRuntimes;
  /**
   * The egress proxy the web tools must use (`http://GATEWAY:PORT`; without it they refuse with
   * POLICY_DENIED). Each task gets its own user name in the URL, and a web tool that fails after
   * the proxy refused one of its requests fails POLICY_DENIED with the proxy's reason. The proxy
   * serves only tokens registered here: from before the task's container starts until it ends.
   */
  readonly egress?: { readonly url: string; takeRefusals(token: string): readonly string[]; registerToken(token: string): void; dropToken(token: string): void };
}

export interface RunTaskOptions {
  /** The caller's own abort (e.g. its call went away): the task ends CANCELLED. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: TaskProgress) => void | Promise<void>;
}

/** Time a container may outlive its task's timeout (stop grace, removal) before it is an orphan. */
const DEADLINE_SLACK_MS = 30_000;

/**
 * Runs tasks, each in a fresh container, and cancels them. It never throws for a task:
 * every failure becomes a FAILED outcome with a typed error and a cause.
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

  async run(taskId: string, task: Task, { signal, onProgress }: RunTaskOptions = {}): Promise<RunOutcome> {
    const startedAt = performance.now();
    const facts = (more: Omit<OutcomeFacts, 'durationMs' | 'runtime' | 'profile'> = {}): OutcomeFacts => ({
      ...more,
      durationMs: Math.round(performance.now() - startedAt),
      runtime,
      profile,
    });
    let runtime = '';
    let profile = '';
    const egressToken = randomBytes(12).toString('hex');
    let timeoutMs = 0;
    if (this.running.has(taskId)) {
      return makeOutcome('FAILED', facts({ error: { code: 'INVALID_PARAMS', message: `task ${taskId} is already running` } }));
    }
    const refusal = sessionRefusal(task);
    if (refusal) return makeOutcome('FAILED', facts({ error: refusal }));
    const controller = new AbortController();
    this.running.set(taskId, controller);
    const forwardCallerAbort = (): void => controller.abort(new TaskAbortReason('CALLER_CANCEL', this.options.cancelGraceMs));
    signal?.addEventListener('abort', forwardCallerAbort, { once: true });
    if (signal?.aborted) forwardCallerAbort();
    let resolved: ResolvedMount | undefined;
    let pinned: PinnedMount | undefined;
    const stopped = (more: Omit<OutcomeFacts, 'durationMs' | 'runtime' | 'profile' | 'error'> = {}): RunOutcome => {
      const kind = abortKindOf(controller.signal.reason);
      const state = kind === 'TIMEOUT' ? 'TIMEOUT' : kind === 'ENGINE_UNAVAILABLE' ? 'FAILED' : 'CANCELLED';
      return makeOutcome(state, facts({ ...more, error: stopError(kind, timeoutMs) }));
    };
    try {
      const spec = this.options.tools.require(task.toolType);
      runtime = spec.runtime ?? this.options.defaultRuntime;
      const egress = this.options.egress;
      egress?.registerToken(egressToken);
      const invocation = spec.buildInvocation(task.params, egress === undefined ? {} : { egressProxyUrl: proxyUrlFor(egress.url, egressToken) });
      resolved = await resolveMount(spec.type, spec.mount, task.mountSource, task.writable);
      const policy = this.options.policy?.current ?? STRICT_DEFAULT_POLICY;
      const evaluation = evaluatePolicy(policy, {
        taskId,
        toolType: spec.type,
        custom: spec.custom === true,
        image: spec.image,
        ...(spec.runtime === undefined ? {} : { runtime: spec.runtime }),
        ...(resolved ? { mount: { source: resolved.source, writable: resolved.writable } } : {}),
        limits: spec.limits,
        timeoutMs: task.timeoutMs > 0 ? Math.min(task.timeoutMs, spec.timeoutMs) : spec.timeoutMs,
        outputCapBytes: this.options.outputCapBytes,
        protectedPaths: this.options.protectedPaths ?? [],
        ...(this.options.mountRoots ? { mountRoots: this.options.mountRoots } : {}),
      });
      await writeAudit(this.options.audit, evaluation.decisions);
      if (evaluation.denial) {
        throw new WorkerError('POLICY_DENIED', `the policy refuses this task (${evaluation.denial.rule}): ${evaluation.denial.reason}`);
      }
      const adjusted = evaluation.adjusted;
      if (resolved) {
        const pinner = this.options.pinner;
        if (pinner === undefined) throw new WorkerError('POLICY_DENIED', 'this executor cannot pin mount sources, so it mounts nothing');
        pinned = await pinner.pin(resolved.directory);
      }
      // No mount: nobody; a mount: the user its root names (its owner, for `owner`).
      const user = taskUserFor(adjusted.mountUser ?? NOBODY, resolved?.directory ?? { uid: 0, gid: 0 });
      const specRuntime = adjusted.runtime;
      runtime = specRuntime ?? this.options.defaultRuntime;
      const engineRuntimes = this.options.engineRuntimes;
      if (engineRuntimes && specRuntime !== spec.runtime) {
        const problem = toolRuntimeProblem({ type: spec.type, network: spec.network, runtime: specRuntime }, engineRuntimes);
        if (problem) throw new WorkerError('POLICY_DENIED', `the policy forces a runtime this task cannot run under: ${problem}`);
      }
      const health = this.options.engineHealth;
      if (health && !health.healthy) {
        throw new WorkerError('ENGINE_UNAVAILABLE', `the Docker engine is not answering (${health.detail}); the task was not started`);
      }
      timeoutMs = adjusted.timeoutMs;
      const timeout = AbortSignal.timeout(timeoutMs);
      timeout.addEventListener('abort', () => controller.abort(new TaskAbortReason('TIMEOUT', 0)), { once: true });
      if (controller.signal.aborted) return stopped();

      const events = this.options.runner.run(
        {
          image: spec.image,
          argv: invocation.argv,
          ...(invocation.env ? { env: invocation.env } : {}),
          ...(invocation.stdin ? { stdin: invocation.stdin } : {}),
          workingDir: WORKSPACE_DIR,
          user,
          labels: taskContainerLabels({
            workerId: this.options.workerId,
            bootId: this.options.bootId ?? '',
            taskId,
            tool: spec.type,
            deadlineMs: Date.now() + timeoutMs + this.options.cancelGraceMs + DEADLINE_SLACK_MS,
          }),
          ...(pinned
            ? { mount: { source: pinned.path, target: WORKSPACE_DIR, writable: adjusted.writable, identity: pinned.identity, origin: pinned.origin } }
            : {}),
          network: spec.network,
          limits: adjusted.limits,
          ...(specRuntime ? { runtime: specRuntime } : {}),
        },
        { signal: controller.signal, outputCapBytes: adjusted.outputCapBytes },
      );
      for await (const event of events) {
        if (event.type === 'started') {
          // The container holds its own bind now: the pin is no longer needed (removed off the
          // task's path; the finally below waits for it).
          void pinned?.release();
          runtime = event.runtime;
          profile = `${event.profile} policy=${policy.mode}`;
          await onProgress?.({ type: 'running', containerId: event.containerId, runtime, profile });
        } else if (event.type === 'output') {
          await onProgress?.(event);
        } else {
          const exit = { exitCode: event.exitCode, stdoutTruncated: event.stdoutTruncated, stderrTruncated: event.stderrTruncated };
          if (controller.signal.aborted) return stopped(exit);
          if (event.engineEnded) {
            // Not the tool's exit: the work did not finish, and another run may succeed.
            const { reason, detail } = event.engineEnded;
            if (reason !== 'runtime-lost') this.options.engineHealth?.reportFailure(detail);
            return makeOutcome('FAILED', facts({ ...exit, error: { code: 'ENGINE_UNAVAILABLE', message: `${spec.type} did not end by itself: ${detail}` } }));
          }
          if (event.oomKilled) {
            const message = `${spec.type} ran out of memory (limit ${adjusted.limits.memoryBytes} bytes) and was killed`;
            return makeOutcome('FAILED', facts({ ...exit, error: { code: 'OUT_OF_MEMORY', message } }));
          }
          const refused = this.options.egress?.takeRefusals(egressToken) ?? [];
          if (refused.length > 0 && event.exitCode !== 0) {
            const message = `the egress policy refused ${refused.length === 1 ? 'a request' : `${refused.length} requests`} of ${spec.type}: ${refused.join('; ')}`;
            return makeOutcome('FAILED', facts({ ...exit, error: { code: 'POLICY_DENIED', message } }));
          }
          if (spec.escapeExitCode !== undefined && event.exitCode === spec.escapeExitCode) {
            const message = `${spec.type} refused a path that leaves the workspace through a symbolic or hard link (see stderr)`;
            return makeOutcome('FAILED', facts({ ...exit, error: { code: 'PATH_ESCAPE', message } }));
          }
          if (spec.writeLimitExitCode !== undefined && event.exitCode === spec.writeLimitExitCode) {
            const message = `${spec.type} would leave a file larger than its write cap, so it wrote nothing (see stderr; --max-write-bytes)`;
            return makeOutcome('FAILED', facts({ ...exit, error: { code: 'WRITE_LIMIT', message } }));
          }
          if (event.pidsLimitHit && event.exitCode !== 0) {
            const message = `${spec.type} hit its limit of ${adjusted.limits.pids} processes`;
            return makeOutcome('FAILED', facts({ ...exit, error: { code: 'PID_LIMIT', message } }));
          }
          return makeOutcome('COMPLETED', facts(exit));
        }
      }
      throw new Error('container run ended without an exit');
    } catch (error) {
      if (controller.signal.aborted && (!isWorkerError(error) || abortKindOf(controller.signal.reason) === 'ENGINE_UNAVAILABLE')) {
        return stopped();
      }
      if (isWorkerError(error) && error.code === 'ENGINE_UNAVAILABLE') this.options.engineHealth?.reportFailure(error.message);
      return makeOutcome('FAILED', facts({ error: toTaskError(error) }));
    } finally {
      await pinned?.release();
      await resolved?.directory.close();
      this.options.egress?.takeRefusals(egressToken);
      this.options.egress?.dropToken(egressToken);
      signal?.removeEventListener('abort', forwardCallerAbort);
      this.running.delete(taskId);
    }
  }
}

/** The proxy URL with the task's token as its user name (curl sends it as Proxy-Authorization). */
function proxyUrlFor(url: string, token: string): string {
  const withUser = new URL(url);
  withUser.username = token;
  withUser.password = 'x';
  return withUser.href.replace(/\/$/, '');
}

/** Writes a task's policy decisions; a task whose decisions cannot be recorded is not run. */
async function writeAudit(audit: TaskExecutorOptions['audit'], entries: readonly AuditEntry[]): Promise<void> {
  if (audit === undefined) return;
  try {
    await audit.append(entries);
  } catch (error) {
    throw new WorkerError('AUDIT_UNAVAILABLE', `the policy decisions could not be written to the audit log, so the task was not run: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function stopError(
  kind: TaskAbortKind,
  timeoutMs: number,
): { code: 'TOOL_TIMEOUT' | 'WORKER_SHUTDOWN' | 'CANCELLED' | 'ENGINE_UNAVAILABLE'; message: string } {
  if (kind === 'TIMEOUT') return { code: 'TOOL_TIMEOUT', message: `the task ran longer than its timeout of ${timeoutMs} ms and was killed` };
  if (kind === 'ENGINE_UNAVAILABLE') return { code: 'ENGINE_UNAVAILABLE', message: 'the Docker engine stopped answering while the task ran' };
  if (kind === 'WORKER_SHUTDOWN') return { code: 'WORKER_SHUTDOWN', message: 'the worker is shutting down; the task was stopped' };
  return { code: 'CANCELLED', message: `the task was cancelled (${kind.toLowerCase().replace('_', ' ')})` };
}
