import type { OptionSpec } from './option-spec.js';
import { logOptionSpecs } from './log-option-specs.js';
import { messageSizeOptionSpecs } from './message-size-option-specs.js';
import { parseDuration } from './parse-duration.js';
import { parseGrpcAddress } from './parse-grpc-address.js';
import { parseInteger } from './parse-integer.js';
import { parseSocketMode } from './parse-socket-mode.js';

export const ORCHESTRATOR_ENV_PREFIX = 'ORCHESTRATOR_';
export const DEFAULT_LISTEN_ADDR = 'unix:///tmp/baaaht-grpc.sock';

/** Every option of the reference orchestrator: flags, env names (`ORCHESTRATOR_*`), file keys, defaults, checks. */
export function orchestratorOptionSpecs() {
  return {
    listen: {
      flag: 'listen',
      key: 'listen',
      default: DEFAULT_LISTEN_ADDR,
      metavar: 'addr',
      doc: 'Where to listen: unix:///path/to.sock (unix:/path is read as unix:///path) or host:port (port 0: any free port).',
      parse: (raw) => parseGrpcAddress(raw, { normalizeUnix: true, allowPortZero: true }),
    },
    socketMode: {
      flag: 'socket-mode',
      key: 'socketMode',
      default: '0600',
      metavar: 'mode',
      doc: 'Permissions of the Unix socket, in octal: 0600 (owner only) or 0660 (owner and group). Modes open to other users are refused.',
      parse: (raw) => parseSocketMode(raw),
    },
    ...messageSizeOptionSpecs(),
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
      doc: 'A worker whose last heartbeat is older than this is considered gone.',
      parse: (raw) => parseDuration(raw),
    },
    ...logOptionSpecs(),
  } satisfies Record<string, OptionSpec<unknown>>;
}
