import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MountPinner } from '../mounts/index.js';
import { protectedPathsFor } from '../worker/protected-paths.js';
import { resolveMountRoots } from '../worker/create-worker.js';
import { toTaskError, type ErrorCode, type TerminationCause } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { AuditLog, STRICT_DEFAULT_POLICY, type Policy } from '../policy/index.js';
import { DockerEngine } from '../runtime/index.js';
import type { ToolRegistry } from '../tools/index.js';
import { createExecutorFor, makeOutcome, type FinalState, type TaskExecutor } from '../worker/index.js';
import { startWebEgress } from '../worker/start-web-egress.js';
import { defaultWorkerConfig, toolRegistryFor, type WorkerConfigOverrides } from './default-tool-registry.js';
import { toTask, type ExecuteTaskRequest } from './execute-task-request.js';

export interface ExecuteTaskResult {
  readonly taskId: string;
  readonly state: FinalState;
  /** Why it ended (COMPLETED, NON_ZERO_EXIT, TOOL_TIMEOUT, OUT_OF_MEMORY, ...). */
  readonly cause: TerminationCause;
  /** Whether running it again may succeed. */
  readonly retryable: boolean;
  readonly exitCode: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly durationMs: number;
  readonly runtime: string;
  /** The confinement profile the container was checked against; empty when none ran. */
  readonly profile: string;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

/** Runs tasks in containers without any orchestrator. */
export interface Executor {
  executeTask(request: ExecuteTaskRequest, signal?: AbortSignal): Promise<ExecuteTaskResult>;
  /** Stops a running task (SIGTERM, then SIGKILL after the grace; at once with force). */
  cancelTask(taskId: string, options?: { force?: boolean }): boolean;
}

export interface CreateExecutorOptions {
  /** Merged onto the defaults (docker socket, output cap, cancel grace, tool settings). */
  readonly config?: WorkerConfigOverrides;
  /** The library's default registry unless given. */
  readonly tools?: ToolRegistry;
  readonly logger?: Logger;
  /** The policy applied to every task (parsePolicy or loadPolicy make one); the built-in strict default unless given. */
  readonly policy?: Policy;
  /** Where the policy's decisions are appended as JSON lines; none unless given. */
  readonly auditLog?: string;
}

export async function createExecutor(options: CreateExecutorOptions = {}): Promise<Executor> {
  const config = defaultWorkerConfig(options.config);
  const tools = toolRegistryFor(config, options.config ?? {}, options.tools);
  const { logger } = options;
  const engine = new DockerEngine(config.dockerSocket, config.rpcTimeoutMs);
  const runtimes = await engine.runtimes();
  // The web tools' egress proxy; it does not keep the program alive (its server is unref'd).
  // Without it (e.g. not root: its firewall cannot be installed) the web tools refuse with POLICY_DENIED; the others run.
  const egress = await startWebEgress(engine, tools, config, () => (options.policy ?? STRICT_DEFAULT_POLICY).egress, logger).catch((error: unknown) => {
    logger?.warn('web egress unavailable; web tools not offered', { network: config.tools.webNetwork, reason: error instanceof Error ? error.message : String(error) });
    return undefined;
  });
  // Judged mount directories are pinned here (config.mountPinDir when the program sets it).
  const pinDir = options.config?.mountPinDir ?? join(tmpdir(), `baaaht-pins-${process.getuid?.() ?? 'user'}`);
  const pinner = await MountPinner.create(pinDir);
  return wrapExecutor(
    createExecutorFor(config, engine, tools, runtimes.default, logger, {
      engineRuntimes: runtimes,
      ...(egress ? { egress: egress.proxy } : {}),
      ...(options.policy ? { policy: { current: options.policy } } : {}),
      ...(options.auditLog ? { audit: new AuditLog(options.auditLog) } : {}),
      mountRoots: resolveMountRoots(config.mountRoots),
      protectedPaths: protectedPathsFor({ ...config, mountPinDir: pinDir }, options.auditLog),
      pinner,
    }),
  );
}

/** The library face of a TaskExecutor: output collected into buffers (each capped by the executor). */
export function wrapExecutor(executor: TaskExecutor): Executor {
  return {
    async executeTask(request, signal) {
      const taskId = request.taskId ?? randomUUID();
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let task;
      try {
        task = toTask(request);
      } catch (error) {
        const outcome = makeOutcome('FAILED', { durationMs: 0, runtime: '', error: toTaskError(error) });
        return { taskId, ...outcome, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
      }
      const outcome = await executor.run(taskId, task, {
        ...(signal ? { signal } : {}),
        onProgress: (event) => {
          if (event.type === 'output') (event.stream === 'stdout' ? stdout : stderr).push(event.data);
        },
      });
      return { taskId, ...outcome, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
    },
    cancelTask(taskId, { force = false } = {}) {
      return executor.cancelTask(taskId, { force });
    },
  };
}
