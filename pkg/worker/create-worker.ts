import { randomUUID } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import { MountPinner, openDirectory, type MountRoot, type PinnedMount, type PinsMounts } from '../mounts/index.js';
import { enginePinsProblem } from './engine-sees-pins.js';
import { WorkerError } from '../errors/index.js';
import { dockerSocketPaths, protectedPathsFor } from './protected-paths.js';
import { join } from 'node:path';
import type { WorkerConfig } from '../config/worker-config.js';
import type { Logger } from '../log/index.js';
import { AuditLog, PolicyHolder, STRICT_DEFAULT_POLICY } from '../policy/index.js';
import { ContainerReaper, ContainerRunner, DockerEngine, WarmPool, type RunsContainers } from '../runtime/index.js';
import type { ToolRegistry } from '../tools/index.js';
import { startWebEgress, type WebEgress } from './start-web-egress.js';
import { EngineHealth } from './engine-health.js';
import { DiskHealth } from './disk-health.js';
import { workerHealth, type WorkerHealth } from './worker-health.js';
import { ResultSpool } from './result-spool.js';
import { TaskAbortReason } from './task-abort-reason.js';
import { TaskExecutor, type TaskExecutorOptions } from './task-executor.js';
import { TaskRecords } from './task-records.js';
import { toolRuntimeProblem } from './tool-runtime-problem.js';
import { WorkerAgent } from './worker-agent.js';
import { startMetricsServer, type MetricsServer } from '../metrics/index.js';
import { WorkerMetrics } from './worker-metrics.js';
import { workerReadiness } from './worker-readiness.js';

export interface WorkerParts {
  readonly engine: DockerEngine;
  readonly executor: TaskExecutor;
  readonly agent: WorkerAgent;
  readonly engineHealth: EngineHealth;
  /** New each start of the worker process; on every container it starts. */
  readonly bootId: string;
  /** Tool types whose images are present, advertised to the orchestrator. */
  readonly toolTypes: readonly string[];
  /** The policy in force (reload it on SIGHUP) and the audit log of its decisions (close it last). */
  readonly policy: PolicyHolder;
  readonly audit: AuditLog;
  /** The web tools' internal network and egress proxy (closed when the agent stops); none when no tool uses the network. */
  readonly egress?: WebEgress;
  /** Containers started ahead of tasks (--warm-pool; closed when the agent stops): stats() shows it. */
  readonly warmPool?: WarmPool;
  /** The worker's Prometheus metrics (its own registry). */
  readonly metrics: WorkerMetrics;
  /** The HTTP server of /healthz, /readyz and /metrics (--metrics-addr; closed when the agent stops). */
  readonly metricsServer?: MetricsServer;
  /** The work dir's free space (--min-free-disk), checked until the agent stops; it probes the audit log while that cannot be written. */
  readonly diskHealth: DiskHealth;
  /** What the heartbeat should say: the engine, the audit log and the disk together. */
  health(): WorkerHealth;
}

export interface CreateWorkerOptions {
  readonly tools: ToolRegistry;
  readonly version: string;
  readonly hostname: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** The policy in force; the built-in strict default when absent. */
  readonly policy?: PolicyHolder;
}

/**
 * Wires a worker from its config: Docker engine and its health, container runner and reaper,
 * task executor, result spool, and the agent that talks to the orchestrator. Asks the engine
 * which runtimes it has and which tool images are present; a tool whose image is missing, or
 * whose runtime the engine lacks (or has without the network the tool needs), is not advertised
 * (and said so in the log).
 */
export async function createWorker(config: WorkerConfig, logger: Logger, options: CreateWorkerOptions): Promise<WorkerParts> {
  const engine = new DockerEngine(config.dockerSocket, config.rpcTimeoutMs);
  const runtimes = await engine.runtimes();
  const bootId = randomUUID();
  const policy = options.policy ?? new PolicyHolder(STRICT_DEFAULT_POLICY);
  mkdirSync(config.workDir, { recursive: true, mode: 0o700 });
  const audit = new AuditLog(config.auditLog, {
    onChange: (problem) =>
      problem === undefined
        ? logger.info('the audit log can be written again')
        : logger.error('the audit log cannot be written: tasks are refused (AUDIT_UNAVAILABLE) and the worker is not ready', { problem }),
  });
  const diskHealth = new DiskHealth({
    dir: config.workDir,
    minFreeBytes: config.minFreeDiskBytes,
    audit,
    onChange: (state) => (state.level === 'ok' ? logger.info('work dir has room again') : logger.warn('work dir low on space', { level: state.level, detail: state.detail })),
  });
  const diskWatch = new AbortController();
  const realPinner = await MountPinner.create(config.mountPinDir);
  let pinProblem = await realPinner.probe();
  // Every task's pin goes through here: once the worker knows it cannot pin (or the engine does
  // not see its pins), tasks with a mount are refused instead of seeing an empty workspace.
  const pinner: PinsMounts = {
    pin: (directory) =>
      pinProblem === undefined
        ? realPinner.pin(directory)
        : Promise.reject(new WorkerError('POLICY_DENIED', `this worker cannot pin mount sources, so it mounts nothing: ${pinProblem}`)),
  };
  const mountRoots = resolveMountRoots(config.mountRoots);
  if (mountRoots.length === 0 && policy.current.mountRoots.length === 0) {
    logger.warn('no mount roots: every task with a mount is refused (name them with --mount-root DIR)');
  } else {
    logger.info('mount roots', { roots: [...mountRoots, ...policy.current.mountRoots].map((root) => root.path).join(', ') });
  }
  let executor: TaskExecutor | undefined;
  let agent: WorkerAgent | undefined;
  let warmPool: WarmPool | undefined;
  const metrics = new WorkerMetrics({
    runningTasks: () => agent?.runningTasks ?? 0,
    queuedTasks: () => agent?.queuedTasks ?? 0,
    warmPool: () => warmPool?.stats().totals,
  });
  const engineHealth = new EngineHealth({
    ping: () => engine.ping(),
    intervalMs: config.engineCheckIntervalMs,
    unhealthyIntervalMs: Math.min(1_000, config.engineCheckIntervalMs),
    onFailure: () => metrics.engineError(),
    onChange: (healthy, detail) => {
      if (healthy) {
        logger.info('Docker engine answers again');
        return;
      }
      logger.error('Docker engine unavailable: failing the running tasks', { detail });
      // Their containers cannot report any more; after the engine's restart the reaper removes them.
      for (const taskId of executor?.activeTaskIds ?? []) executor?.abort(taskId, new TaskAbortReason('ENGINE_UNAVAILABLE', 0));
    },
  });
  // The web tools' only way out; it reads the policy in force for every request (a reload applies at once).
  let egress: WebEgress | undefined;
  let egressProblem: string | undefined;
  try {
    egress = await startWebEgress(engine, options.tools, config, () => policy.current.egress, logger);
  } catch (error) {
    // E.g. in a container or network namespace of its own, where the network's gateway is not
    // an address of this host: the file tools still work; the web tools are not offered.
    egressProblem = error instanceof Error ? error.message : String(error);
    logger.warn('web egress unavailable; web tools not offered', { network: config.tools.webNetwork, reason: egressProblem });
  }
  const repin = (mount: { readonly origin: string; readonly identity: string }): Promise<PinnedMount> => repinDirectory(pinner, mount);
  warmPool = config.warmPool.enabled ? createWarmPool(config, engine, options.tools, runtimes.default, bootId, logger, repin) : undefined;
  if (warmPool) logger.info('warm pool on', { perKey: config.warmPool.perKey, max: config.warmPool.max, idleMs: config.warmPool.idleMs });
  executor = createExecutorFor(config, engine, options.tools, runtimes.default, logger, {
    ...(warmPool ? { runner: warmPool } : {}),
    bootId,
    engineHealth,
    policy,
    audit,
    engineRuntimes: runtimes,
    ...(egress ? { egress: egress.proxy } : {}),
    mountRoots,
    protectedPaths: protectedPathsFor(config, policy.path),
    pinner,
  });
  const toolTypes: string[] = [];
  const checked = new Map<string, boolean>();
  for (const spec of options.tools.all()) {
    if (egressProblem !== undefined && spec.network === config.tools.webNetwork) continue;
    const runtimeProblem = toolRuntimeProblem(spec, runtimes);
    if (runtimeProblem !== undefined) {
      logger.warn('tool runtime unusable; tool not offered', { tool: spec.type, runtime: spec.runtime ?? runtimes.default, reason: runtimeProblem });
      continue;
    }
    let present = checked.get(spec.image);
    if (present === undefined) {
      present = await engine.hasImage(spec.image);
      checked.set(spec.image, present);
    }
    if (present) toolTypes.push(spec.type);
    else logger.warn('tool image missing; tool not offered', { tool: spec.type, image: spec.image, fix: 'make images' });
  }
  if (pinProblem === undefined && checked.get(config.tools.image) === true) {
    pinProblem = await enginePinsProblem({
      pinner: realPinner,
      runner: createContainerRunner(config, engine, runtimes.default, logger),
      image: config.tools.image,
      dir: config.workDir,
      workerId: config.name,
      bootId,
    });
  }
  if (pinProblem !== undefined) {
    logger.warn('mount sources cannot be pinned: tasks with a mount are refused', { pinDir: config.mountPinDir, reason: pinProblem });
  }
  const reaper = new ContainerReaper({
    docker: engine.docker,
    workerId: config.name,
    bootId,
    deadlineMarginMs: config.reapMarginMs,
    engineCallTimeoutMs: config.rpcTimeoutMs,
    activeTaskIds: () => new Set(executor?.activeTaskIds),
    ...(warmPool ? { livePoolSlots: () => warmPool.liveSlots() } : {}),
  });
  agent = new WorkerAgent({
    config,
    executor,
    spool: new ResultSpool(join(config.workDir, 'results'), config.resultMemoryBytes, { limits: config.unackedResults }),
    toolTypes,
    runtimes: runtimes.all,
    logger,
    version: options.version,
    hostname: options.hostname,
    bootId,
    engineHealth,
    health: () => workerHealth({ engine: engineHealth, auditProblem: audit.problem, disk: diskHealth.state }),
    reaper,
    metrics,
    ...(options.labels ? { labels: options.labels } : {}),
    ...(config.taskRecords.enabled ? { taskRecords: createTaskRecords(config, logger) } : {}),
    onStopped: async () => {
      diskWatch.abort();
      await Promise.all([egress?.close(), warmPool?.close(), metricsServer?.close()]);
    },
  });
  const running = agent;
  // Last, so that nothing after it can fail and leave it listening; if it cannot listen, what was started for the tasks is closed.
  const metricsServer = config.metricsAddr
    ? await startMetricsServer({
        address: config.metricsAddr,
        metrics: () => metrics.text(),
        contentType: metrics.contentType,
        readiness: () =>
          workerReadiness({
            state: running.state,
            connection: running.connectionState,
            engineHealthy: engineHealth.healthy,
            engineDetail: engineHealth.detail,
            auditProblem: audit.problem,
            disk: diskHealth.state,
          }),
      }).catch(async (error: unknown) => {
        await Promise.allSettled([egress?.close(), warmPool?.close()]);
        throw error;
      })
    : undefined;
  if (metricsServer) logger.info('serving /healthz, /readyz and /metrics', { addr: metricsServer.address });
  void diskHealth.run(diskWatch.signal);
  return {
    engine,
    executor,
    agent,
    engineHealth,
    bootId,
    toolTypes,
    policy,
    audit,
    metrics,
    diskHealth,
    health: () => workerHealth({ engine: engineHealth, auditProblem: audit.problem, disk: diskHealth.state }),
    ...(egress ? { egress } : {}),
    ...(warmPool ? { warmPool } : {}),
    ...(metricsServer ? { metricsServer } : {}),
  };
}

/** --task-records: `<workDir>/task_<id>/` for every task, removed after --task-record-retention. */
function createTaskRecords(config: Pick<WorkerConfig, 'name' | 'workDir' | 'taskRecords'>, logger: Logger): TaskRecords {
  const records = new TaskRecords({ dir: config.workDir, retentionMs: config.taskRecords.retentionMs, worker: config.name, logger });
  logger.info('task records on', { dir: config.workDir, retentionMs: config.taskRecords.retentionMs, sweepIntervalMs: records.sweepIntervalMs });
  return records;
}

export function createExecutorFor(
  config: Pick<WorkerConfig, 'name' | 'outputCapBytes' | 'cancelGraceMs' | 'rpcTimeoutMs' | 'dockerSocket'>,
  engine: DockerEngine,
  tools: ToolRegistry,
  defaultRuntime: string,
  logger?: Logger,
  extra: Pick<TaskExecutorOptions, 'bootId' | 'engineHealth' | 'policy' | 'audit' | 'engineRuntimes' | 'egress' | 'mountRoots' | 'protectedPaths' | 'pinner'> & {
    readonly runner?: RunsContainers;
  } = {},
): TaskExecutor {
  const { runner = createContainerRunner(config, engine, defaultRuntime, logger), ...rest } = extra;
  return new TaskExecutor({
    runner,
    tools,
    workerId: config.name,
    outputCapBytes: config.outputCapBytes,
    cancelGraceMs: config.cancelGraceMs,
    defaultRuntime,
    ...rest,
    protectedPaths: [...new Set([...dockerSocketPaths(config.dockerSocket), ...(rest.protectedPaths ?? [])])],
  });
}

function createContainerRunner(
  config: Pick<WorkerConfig, 'rpcTimeoutMs'>,
  engine: DockerEngine,
  defaultRuntime: string,
  logger: Logger | undefined,
  removal: 'inline' | 'background' = 'inline',
): ContainerRunner {
  return new ContainerRunner({
    docker: engine.docker,
    engineCallTimeoutMs: config.rpcTimeoutMs,
    defaultRuntime,
    removal,
    onCleanupError: (error, containerId) =>
      logger?.error('container cleanup failed', { containerId, error: error instanceof Error ? error.message : String(error) }),
  });
}

/**
 * The warm pool of --warm-pool, over a runner that removes containers in the background (the
 * pool's close() waits for those removals). A warm container's deadline label covers the longest
 * task any tool may run.
 */
export function createWarmPool(
  config: Pick<WorkerConfig, 'name' | 'rpcTimeoutMs' | 'cancelGraceMs' | 'warmPool'>,
  engine: DockerEngine,
  tools: ToolRegistry,
  defaultRuntime: string,
  bootId: string,
  logger?: Logger,
  repin?: (mount: { readonly origin: string; readonly identity: string }) => Promise<PinnedMount>,
): WarmPool {
  const longestTimeoutMs = Math.max(0, ...tools.all().map((spec) => spec.timeoutMs));
  return new WarmPool({
    docker: engine.docker,
    runner: createContainerRunner(config, engine, defaultRuntime, logger, 'background'),
    workerId: config.name,
    bootId,
    perKey: config.warmPool.perKey,
    maxTotal: config.warmPool.max,
    idleMs: config.warmPool.idleMs,
    maxTaskMs: longestTimeoutMs + config.cancelGraceMs + config.rpcTimeoutMs,
    ...(logger ? { logger } : {}),
    ...(repin ? { repin } : {}),
  });
}

/**
 * Pins the directory now at `mount.origin` again, for a warm container of its key: only when it
 * is still the directory `mount.identity` names (a directory moved or swapped meanwhile is
 * MOUNT_CHANGED, and the key is not warmed).
 */
export async function repinDirectory(
  pinner: PinsMounts,
  mount: { readonly origin: string; readonly identity: string },
): Promise<PinnedMount> {
  const directory = await openDirectory(mount.origin);
  try {
    if (directory.identity !== mount.identity) {
      throw new WorkerError('MOUNT_CHANGED', `${JSON.stringify(mount.origin)} is no longer the directory it was (${directory.identity}, not ${mount.identity})`);
    }
    return await pinner.pin(directory);
  } finally {
    await directory.close();
  }
}

/** Mount roots by their real paths (as mounts are judged), when they exist. */
export function resolveMountRoots(roots: readonly MountRoot[]): MountRoot[] {
  return roots.map((root) => {
    try {
      return { ...root, path: realpathSync(root.path) };
    } catch {
      return root;
    }
  });
}

