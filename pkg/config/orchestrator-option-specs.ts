import { isAbsolute, join, resolve } from 'node:path';

import { InvalidValueError } from './invalid-value-error.js';
import type { OptionSpec } from './option-spec.js';
import { logOptionSpecs } from './log-option-specs.js';
import { workerKeyOptionSpecs } from './worker-key-option-specs.js';
import { messageSizeOptionSpecs } from './message-size-option-specs.js';
import { parseDuration } from './parse-duration.js';
import { parseGrpcAddress } from './parse-grpc-address.js';
import { parseInteger } from './parse-integer.js';
import { parseGroupKeys } from './parse-group-keys.js';
import { metricsOptionSpecs } from './metrics-option-specs.js';
import { parseText } from './parse-text.js';
import { socketOptionSpecs } from './socket-option-specs.js';
import { serverTlsOptionSpecs } from './tls-option-specs.js';
import { clientAuthOptionSpecs } from './client-auth-option-specs.js';
import { queueLimitOptionSpecs } from './queue-limit-option-specs.js';

export const ORCHESTRATOR_ENV_PREFIX = 'ORCHESTRATOR_';
export const DEFAULT_LISTEN_ADDR = 'unix:///tmp/baaaht-grpc.sock';
/** Under the home directory: where the orchestrator keeps its task database unless told otherwise. */
export const DEFAULT_DATA_DIR = '.local/share/baaaht/orchestrator';
/** `--data-dir` value that keeps the tasks in memory only (lost when the orchestrator stops). */
export const IN_MEMORY_DATA_DIR = ':memory:';

export interface OrchestratorOptionContext {
  /** The user's home directory: the default data directory is under it, and `~/` expands to it. */
  readonly homeDir: string;
}

/**
 * `:memory:`, or a directory: `~/...` is taken under the home directory, a relative path is
 * kept relative (to the working directory).
 */
export function parseDataDir(raw: unknown, homeDir: string): string {
  const text = parseText(raw);
  if (text === IN_MEMORY_DATA_DIR) return text;
  if (text === '~') return homeDir;
  if (text.startsWith('~/')) return join(homeDir, text.slice(2));
  if (text.startsWith('~')) throw new InvalidValueError(`${JSON.stringify(text)}: only ~/ (the home directory) is expanded`);
  return isAbsolute(text) ? resolve(text) : text;
}

/**
 * Every option of the reference orchestrator: flags, env names (`ORCHESTRATOR_*`), file keys,
 * defaults, checks. The context gives host-dependent defaults (help text shows them generically).
 */
export function orchestratorOptionSpecs(context: OrchestratorOptionContext = { homeDir: '~' }) {
  return {
    listen: {
      flag: 'listen',
      key: 'listen',
      default: DEFAULT_LISTEN_ADDR,
      metavar: 'addr',
      doc: 'Where to listen: unix:///path/to.sock (unix:/path is read as unix:///path) or host:port (port 0: any free port).',
      parse: (raw) => parseGrpcAddress(raw, { normalizeUnix: true, allowPortZero: true }),
    },
    ...socketOptionSpecs(),
    ...serverTlsOptionSpecs(),
    ...clientAuthOptionSpecs(),
    ...messageSizeOptionSpecs(),
    ...queueLimitOptionSpecs(),
    resultRetention: {
      flag: 'result-retention',
      key: 'resultRetention',
      default: '10m',
      metavar: 'duration',
      doc: 'How long finished tasks\' results are kept.',
      parse: (raw) => parseDuration(raw),
    },
    maxRetainedResults: {
      flag: 'max-retained-results',
      key: 'maxRetainedResults',
      default: '1000',
      metavar: 'n',
      doc: 'Finished tasks\' results kept, at most; the oldest go first.',
      parse: (raw) => parseInteger(raw, { min: 1 }),
    },
    workerTimeout: {
      flag: 'worker-timeout',
      key: 'workerTimeout',
      default: '90s',
      metavar: 'duration',
      doc: 'A worker whose last heartbeat is older than this is considered gone, and a task lease not renewed for this long is taken away (the task runs again or fails WORKER_LOST).',
      parse: (raw) => parseDuration(raw),
    },
    ...workerKeyOptionSpecs(),
    groupKeys: {
      flag: 'group-keys',
      key: 'groupKeys',
      default: '',
      defaultText: 'none',
      metavar: 'file',
      doc: 'YAML or JSON file mapping worker groups to their own worker keys (gpu: "..."): a worker registering in a listed group must send that group\'s key; other groups use --worker-key, and are refused when it is not set.',
      parse: (raw) => parseGroupKeys(raw),
    },
    ...metricsOptionSpecs('127.0.0.1:9465', ' The gRPC health service (grpc.health.v1) is always served on the listener.'),
    maxAttempts: {
      flag: 'max-attempts',
      key: 'maxAttempts',
      default: '3',
      metavar: 'n',
      doc: 'Runs of a task at most: a lost lease or a retryable result (e.g. WORKER_SHUTDOWN, ENGINE_UNAVAILABLE) runs it again while attempts remain.',
      parse: (raw) => parseInteger(raw, { min: 1, max: 100 }),
    },
    dataDir: {
      flag: 'data-dir',
      key: 'dataDir',
      default: join(context.homeDir, DEFAULT_DATA_DIR),
      defaultText: `~/${DEFAULT_DATA_DIR}`,
      metavar: 'dir',
      doc: 'Directory of the task database (SQLite; created 0700): queued tasks, leases and results survive a restart. :memory: keeps nothing on disk.',
      parse: (raw) => parseDataDir(raw, context.homeDir),
    },
    ...logOptionSpecs(),
  } satisfies Record<string, OptionSpec<unknown>>;
}
