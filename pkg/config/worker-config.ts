import type { BuiltinToolOptions } from '../tools/builtin-tool-options.js';
import type { LogOptions } from '../log/log-options.js';
import type { MountRoot } from '../mounts/mount-root.js';
import type { ClientTlsConfig } from './tls-config.js';

/** The worker's options, compiled once at start: durations in ms, sizes in bytes. */
export interface WorkerConfig {
  /** `unix:///path/to.sock`, `unix:/path`, or `host:port`. */
  readonly orchestratorAddr: string;
  /**
   * Owners (uids) of a Unix socket the worker may dial besides its own uid and root
   * (--trust-socket-owner); unset: none.
   */
  readonly trustSocketOwners?: readonly number[];
  /** TLS to a TCP orchestrator (--ca-cert, --cert/--key, --tls-server-name); absent for a unix socket or with insecure. */
  readonly tls?: ClientTlsConfig;
  /** Plaintext TCP to the orchestrator (--insecure, testing only; a warning is logged at start). */
  readonly insecure?: true;
  readonly name: string;
  /** The worker group (--group, `default` unless set). */
  readonly group: string;
  /** The worker's own labels (--label); the platform labels are added when it registers. */
  readonly labels: Readonly<Record<string, string>>;
  readonly dialTimeoutMs: number;
  readonly rpcTimeoutMs: number;
  readonly maxRecvMsgSize: number;
  readonly maxSendMsgSize: number;
  readonly reconnectIntervalMs: number;
  /** Cap of the exponential reconnect backoff. */
  readonly reconnectMaxIntervalMs: number;
  /** 0 means keep trying forever. */
  readonly reconnectMaxAttempts: number;
  readonly heartbeatIntervalMs: number;
  readonly maxConcurrentTasks: number;
  readonly log: LogOptions;
  /** Docker engine socket (`/var/run/docker.sock` unless DOCKER_HOST or config says otherwise). */
  readonly dockerSocket: string;
  /** Cap on each of stdout and stderr per task, in bytes; past it output is dropped and flagged. */
  readonly outputCapBytes: number;
  /** Grace between SIGTERM and SIGKILL when a task is cancelled. */
  readonly cancelGraceMs: number;
  /** On SIGTERM/SIGINT, how long running tasks may go on before they are stopped. */
  readonly shutdownTimeoutMs: number;
  /** Shared secret sent on every AgentService call, when the orchestrator requires one. */
  readonly workerKey?: string;
  /** The policy file given with --policy; empty: the usual places, else the built-in strict default. */
  readonly policyFile: string;
  /** Append-only JSON-lines log of policy decisions. */
  readonly auditLog: string;
  /** Where the worker keeps results not yet acknowledged (and other state of its own). */
  readonly workDir: string;
  /** Trees tasks may mount from (--mount-root); the policy may add more. None: no mounts. */
  readonly mountRoots: readonly MountRoot[];
  /** Further paths never mounted (--never-mount), besides the built-in set. */
  readonly neverMount: readonly string[];
  /** Where judged mount directories are pinned for the engine (--mount-pin-dir; `<workDir>/pins`). */
  readonly mountPinDir: string;
  /** The config file read, if any (never mounted). */
  readonly configFile?: string;
  /** The TLS files given (never mounted). */
  readonly tlsFiles: readonly string[];
  /** Per-task records in workDir (--task-records, --task-record-retention). */
  readonly taskRecords: TaskRecordsConfig;
  /** Unacknowledged results kept in memory before they are written to workDir. */
  readonly resultMemoryBytes: number;
  /** Free space in workDir below which the disk is reported low (--min-free-disk; 0: never). */
  readonly minFreeDiskBytes: number;
  /** Bounds on unacknowledged results (--max-unacked-results, --max-unacked-bytes, --unacked-result-ttl). */
  readonly unackedResults: UnackedResultLimits;
  /** How often orphaned containers are looked for, and how far past its deadline a container must be. */
  readonly reapIntervalMs: number;
  readonly reapMarginMs: number;
  /** How often the Docker engine is pinged (more often while it is down). */
  readonly engineCheckIntervalMs: number;
  /** `host:port` of the HTTP server of /healthz, /readyz and /metrics (--metrics-addr); absent: off. */
  readonly metricsAddr?: string;
  /** Containers started ahead of tasks (--warm-pool, --warm-per-key, --warm-max, --warm-idle). */
  readonly warmPool: WarmPoolConfig;
  readonly tools: BuiltinToolOptions;
}

/** How many unacknowledged results a worker keeps, and for how long; past a bound the oldest are dropped. */
export interface UnackedResultLimits {
  readonly maxCount: number;
  /** Their messages and output together, in memory and on disk. */
  readonly maxBytes: number;
  /** A result older than this is dropped. */
  readonly ttlMs: number;
}

/** The warm pool's settings (see WarmPool in pkg/runtime). */
export interface WarmPoolConfig {
  readonly enabled: boolean;
  /** Warm containers per recently used key. */
  readonly perKey: number;
  /** Warm containers in all. */
  readonly max: number;
  /** A key unused this long is no longer kept warm. */
  readonly idleMs: number;
}

/** Per-task records: `<workDir>/task_<id>/{stdout.txt,stderr.txt,result.json}`. */
export interface TaskRecordsConfig {
  readonly enabled: boolean;
  /** A record older than this is removed. */
  readonly retentionMs: number;
}
