import type { LogOptions } from '../log/log-options.js';
import type { ServerTlsConfig } from './tls-config.js';
import type { ClientTokenEntry } from './parse-client-tokens.js';
import type { QueueLimits } from './queue-limit-option-specs.js';

export interface OrchestratorConfig {
  /** `unix:///path/to.sock` or `host:port` (e.g. `127.0.0.1:7070`). */
  readonly listen: string;
  /** Mode of the Unix socket file: 0o600 (default) or 0o660. Never world-accessible. */
  readonly socketMode: number;
  /** Group (gid) the Unix socket is chowned to (--socket-group); socketMode is then 0o660. */
  readonly socketGroup?: number;
  /** TLS of a TCP listener (--tls-cert/--tls-key, --tls-client-ca for mutual TLS). */
  readonly tls?: ServerTlsConfig;
  /**
   * Plaintext TCP listener (--insecure, testing only; a warning is logged at start). Without
   * clientTokens its clients are not authenticated: every caller is the anonymous admin.
   */
  readonly insecure?: true;
  /**
   * Clients of TaskService (--client-tokens): when present (non-empty), every TaskService call
   * on any listener must carry one of these tokens. Absent: unix socket peers are the local
   * admin; TCP needs tls.clientCa (clients named by their certificate's CN) or insecure.
   */
  readonly clientTokens?: readonly ClientTokenEntry[];
  /** Caps on unfinished tasks (--max-queued-tasks, --max-queued-bytes, --max-tasks-per-client); absent: the defaults. */
  readonly queueLimits?: QueueLimits;
  readonly maxRecvMsgSize: number;
  readonly maxSendMsgSize: number;
  /** How long finished tasks' results are kept, and how many at most. */
  readonly resultRetentionMs: number;
  readonly maxRetainedResults: number;
  /**
   * A worker whose heartbeat is older than this is considered gone, and a task lease not
   * renewed for this long is taken away.
   */
  readonly workerTimeoutMs: number;
  /** Runs of a task at most: a lost lease or a retryable result runs it again until then. */
  readonly maxAttempts: number;
  /** When set, AgentService calls must carry it (x-baaaht-worker-key metadata). */
  readonly workerKey?: string;
  /**
   * Per-group worker keys (--group-keys): a worker of a listed group must send its group's key;
   * other groups use workerKey (refused when it is unset). Absent or empty: workerKey alone.
   */
  readonly groupKeys?: Readonly<Record<string, string>>;
  /** `host:port` of the HTTP server of /healthz, /readyz and /metrics (--metrics-addr); absent: off. */
  readonly metricsAddr?: string;
  /** Directory of the task database (created 0700), or `:memory:` to keep nothing on disk. */
  readonly dataDir: string;
  readonly log: LogOptions;
}
