import type { OptionSpec } from './option-spec.js';
import { logOptionSpecs } from './log-option-specs.js';
import { workerKeyOptionSpecs } from './worker-key-option-specs.js';
import { messageSizeOptionSpecs } from './message-size-option-specs.js';
import { parseBoolean } from './parse-boolean.js';
import { parseByteSize } from './parse-byte-size.js';
import { CUSTOM_TOOLS_KEY, customToolList } from './parse-custom-tools.js';
import { defaultDockerSocket, parseDockerSocket } from './parse-docker-socket.js';
import { parseDuration } from './parse-duration.js';
import { parseGrpcAddress } from './parse-grpc-address.js';
import { parseGroupName } from './parse-group-name.js';
import { formatLabelPairs, parseLabels } from './parse-labels.js';
import { parseInteger } from './parse-integer.js';
import { metricsOptionSpecs } from './metrics-option-specs.js';
import { mountOptionSpecs } from './mount-option-specs.js';
import { parseSearchUrlTemplate } from './parse-search-url-template.js';
import { formatSocketOwners, parseSocketOwners } from './parse-socket-owners.js';
import { DOCKER_NAME, parseText } from './parse-text.js';
import { parseToolOverrides } from './parse-tool-overrides.js';
import { clientTlsOptionSpecs } from './tls-option-specs.js';

export const WORKER_ENV_PREFIX = 'WORKER_';
export const DEFAULT_ORCHESTRATOR_ADDR = 'unix:///tmp/baaaht-grpc.sock';

export interface WorkerOptionContext {
  readonly hostname: string;
  /** DOCKER_HOST, which gives the default Docker socket when it is a `unix://` address. */
  readonly dockerHost: string | undefined;
  /** Version of this package, for the default tools image; undefined if unknown. */
  readonly packageVersion: string | undefined;
}

/** Every option of the worker: flags, env names (`WORKER_*`), file keys, defaults, checks. */
export function workerOptionSpecs(context: WorkerOptionContext) {
  const log = logOptionSpecs();
  return {
    orchestratorAddr: {
      flag: 'orchestrator-addr',
      key: 'orchestratorAddr',
      default: DEFAULT_ORCHESTRATOR_ADDR,
      metavar: 'addr',
      doc: 'Address of the orchestrator: unix:///path/to.sock, unix:/path/to.sock or host:port.',
      fallbackEnv: ['ORCHESTRATOR_URL'],
      parse: (raw) => parseGrpcAddress(raw),
    },
    trustSocketOwners: {
      flag: 'trust-socket-owner',
      key: 'trustSocketOwners',
      default: '',
      defaultText: 'none (only this user and root)',
      metavar: 'uid|name',
      repeatable: true,
      doc: "A user besides this one and root whose Unix socket the worker may dial (the orchestrator's user); repeat it, or give uids or names separated by commas (a list in the config file). A socket owned by anyone else is refused before the worker key is sent.",
      parse: (raw) => parseSocketOwners(raw),
      fileValue: (value) => formatSocketOwners(value),
    },
    ...clientTlsOptionSpecs(),
    name: {
      flag: 'name',
      key: 'name',
      default: `worker-${context.hostname}`,
      defaultText: 'worker-<hostname>',
      metavar: 'name',
      doc: 'Name this worker registers under.',
      parse: (raw) => parseText(raw, { maxLength: 253 }),
    },
    group: {
      flag: 'group',
      key: 'group',
      default: 'default',
      metavar: 'name',
      doc: 'Worker group this worker registers in: tasks may ask for a group (task run --group), and with per-group keys the orchestrator checks this group\'s key.',
      parse: (raw) => parseGroupName(raw),
    },
    labels: {
      flag: 'label',
      key: 'labels',
      default: '',
      defaultText: 'none',
      metavar: 'key=value',
      repeatable: true,
      doc: 'A label tasks may ask for (task run --label key=value); repeat it, or give key=value pairs separated by commas (a mapping in the config file). The worker adds platform.os, platform.arch, platform.runtime.<name> and platform.tool.<name> itself.',
      parse: (raw) => parseLabels(raw),
      fileValue: (value) => formatLabelPairs(parseLabels(value)),
    },
    dialTimeout: {
      flag: 'dial-timeout',
      key: 'dialTimeout',
      default: '30s',
      metavar: 'duration',
      doc: 'How long one attempt to connect to the orchestrator may take.',
      parse: (raw) => parseDuration(raw),
    },
    rpcTimeout: {
      flag: 'rpc-timeout',
      key: 'rpcTimeout',
      default: '10s',
      metavar: 'duration',
      doc: 'Deadline of each unary call to the orchestrator.',
      parse: (raw) => parseDuration(raw),
    },
    ...messageSizeOptionSpecs(),
    reconnectInterval: {
      flag: 'reconnect-interval',
      key: 'reconnectInterval',
      default: '5s',
      metavar: 'duration',
      doc: 'Pause between attempts to reconnect to the orchestrator.',
      parse: (raw) => parseDuration(raw),
    },
    reconnectMaxInterval: {
      flag: 'reconnect-max-interval',
      key: 'reconnectMaxInterval',
      default: '60s',
      metavar: 'duration',
      doc: 'Cap of the reconnect backoff: pauses double from --reconnect-interval up to this, with jitter.',
      parse: (raw) => parseDuration(raw),
    },
    reconnectMaxAttempts: {
      flag: 'reconnect-max-attempts',
      key: 'reconnectMaxAttempts',
      default: '0',
      metavar: 'n',
      doc: 'Reconnect attempts before giving up; 0 keeps trying forever.',
      parse: (raw) => parseInteger(raw, { min: 0 }),
    },
    heartbeatInterval: {
      flag: 'heartbeat-interval',
      key: 'heartbeatInterval',
      default: '30s',
      metavar: 'duration',
      doc: 'How often the worker tells the orchestrator it is alive.',
      parse: (raw) => parseDuration(raw),
    },
    maxConcurrentTasks: {
      flag: 'max-concurrent-tasks',
      key: 'maxConcurrentTasks',
      default: '4',
      metavar: 'n',
      doc: 'Tasks run at the same time, at most.',
      parse: (raw) => parseInteger(raw, { min: 1, max: 1024 }),
    },
    ...log,
    dockerSocket: {
      flag: 'docker-socket',
      key: 'dockerSocket',
      default: defaultDockerSocket(context.dockerHost),
      defaultText: 'DOCKER_HOST if it is a unix:// address, else /var/run/docker.sock',
      metavar: 'path',
      doc: 'Unix socket of the Docker engine (a path, or unix:///path).',
      parse: (raw) => parseDockerSocket(raw),
    },
    outputCap: {
      flag: 'output-cap',
      key: 'outputCap',
      default: '10MiB',
      metavar: 'bytes',
      doc: 'Cap on each of stdout and stderr per task (10MiB = 10485760 bytes); past it output is dropped and flagged.',
      parse: (raw) => parseByteSize(raw),
    },
    ...workerKeyOptionSpecs(),
    policy: {
      flag: 'policy',
      key: 'policy',
      default: '',
      defaultText: '~/.config/baaaht/policies.yaml, else /etc/baaaht/policies.yaml, else the built-in strict default',
      metavar: 'file',
      doc: 'Policy file: what tasks may mount, which images and runtimes they run under, their caps (see config/policies.example.yaml). SIGHUP reloads it.',
      parse: (raw) => (raw === '' ? '' : parseText(raw, { maxLength: 4096 })),
    },
    auditLog: {
      flag: 'audit-log',
      key: 'auditLog',
      default: '',
      defaultText: '<work-dir>/audit.log',
      metavar: 'file',
      doc: 'Append-only JSON-lines log of every policy decision (allowed, clamped, refused), created 0600.',
      parse: (raw) => (raw === '' ? '' : parseText(raw, { maxLength: 4096 })),
    },
    shutdownTimeout: {
      flag: 'shutdown-timeout',
      key: 'shutdownTimeout',
      default: '30s',
      metavar: 'duration',
      doc: 'On SIGTERM/SIGINT, how long running tasks may go on before they are stopped (SIGUSR1 drains without a limit).',
      parse: (raw) => parseDuration(raw, { min: 0 }),
    },
    workDir: {
      flag: 'work-dir',
      key: 'workDir',
      default: '',
      defaultText: '<tmpdir>/baaaht-worker-<name>',
      metavar: 'dir',
      doc: 'Where results not yet acknowledged by the orchestrator are kept (use persistent storage in production).',
      parse: (raw) => (raw === '' ? '' : parseText(raw, { maxLength: 4096 })),
    },
    taskRecords: {
      flag: 'task-records',
      key: 'taskRecords',
      default: 'off',
      metavar: 'on|off',
      doc: 'Keep a record of each task in --work-dir: task_<id>/stdout.txt, stderr.txt and result.json (removed after --task-record-retention).',
      parse: (raw) => parseBoolean(raw),
    },
    taskRecordRetention: {
      flag: 'task-record-retention',
      key: 'taskRecordRetention',
      default: '24h',
      metavar: 'duration',
      doc: 'How long task records are kept before they are removed.',
      parse: (raw) => parseDuration(raw),
    },
    resultMemory: {
      flag: 'result-memory',
      key: 'resultMemory',
      default: '16MiB',
      metavar: 'bytes',
      doc: 'Unacknowledged results kept in memory before they are written to --work-dir.',
      parse: (raw) => parseByteSize(raw, { min: 0 }),
    },
    minFreeDisk: {
      flag: 'min-free-disk',
      key: 'minFreeDisk',
      default: '64MiB',
      metavar: 'bytes',
      doc: 'Free space in --work-dir below which the disk is low: readiness warns and the heartbeat says disk_low (the worker stays ready until under 1 MiB is free); 0 turns the warning off.',
      parse: (raw) => parseByteSize(raw, { min: 0 }),
    },
    maxUnackedResults: {
      flag: 'max-unacked-results',
      key: 'maxUnackedResults',
      default: '1000',
      metavar: 'n',
      doc: 'Results not yet acknowledged by the orchestrator kept at most; past it the oldest is dropped (logged and counted), and its task runs again once its lease is lost.',
      parse: (raw) => parseInteger(raw, { min: 1 }),
    },
    maxUnackedBytes: {
      flag: 'max-unacked-bytes',
      key: 'maxUnackedBytes',
      default: '256MiB',
      metavar: 'bytes',
      doc: 'Bytes of unacknowledged results (their output included, in memory and in --work-dir) kept at most; past it the oldest are dropped.',
      parse: (raw) => parseByteSize(raw),
    },
    unackedResultTtl: {
      flag: 'unacked-result-ttl',
      key: 'unackedResultTtl',
      default: '1h',
      metavar: 'duration',
      doc: 'How long an unacknowledged result is kept (across restarts too) before it is dropped.',
      parse: (raw) => parseDuration(raw),
    },
    reapInterval: {
      flag: 'reap-interval',
      key: 'reapInterval',
      default: '60s',
      metavar: 'duration',
      doc: 'How often orphaned task containers are looked for and removed (also once at start).',
      parse: (raw) => parseDuration(raw),
    },
    reapMargin: {
      flag: 'reap-margin',
      key: 'reapMargin',
      default: '30s',
      metavar: 'duration',
      doc: "How far past its deadline label any worker's task container must be before it is removed.",
      parse: (raw) => parseDuration(raw, { min: 0 }),
    },
    engineCheckInterval: {
      flag: 'engine-check-interval',
      key: 'engineCheckInterval',
      default: '10s',
      metavar: 'duration',
      doc: 'How often the Docker engine is pinged while it answers (every second while it does not).',
      parse: (raw) => parseDuration(raw),
    },
    ...metricsOptionSpecs('127.0.0.1:9464'),
    ...mountOptionSpecs(),
    warmPool: {
      flag: 'warm-pool',
      key: 'warmPool',
      default: 'off',
      metavar: 'on|off',
      doc: 'Keep containers created and started ahead of tasks, per image, mount, limits and runtime, so that a task on a recently used mount starts at once (see README, Warm pool).',
      parse: (raw) => parseBoolean(raw),
    },
    warmPerKey: {
      flag: 'warm-per-key',
      key: 'warmPerKey',
      default: '1',
      metavar: 'n',
      doc: 'Warm containers kept for each recently used (image, mount, limits, runtime), 0 to 16.',
      parse: (raw) => parseInteger(raw, { min: 0, max: 16 }),
    },
    warmMax: {
      flag: 'warm-max',
      key: 'warmMax',
      default: '4',
      metavar: 'n',
      doc: 'Warm containers kept in all, 0 to 256.',
      parse: (raw) => parseInteger(raw, { min: 0, max: 256 }),
    },
    warmIdle: {
      flag: 'warm-idle',
      key: 'warmIdle',
      default: '60s',
      metavar: 'duration',
      doc: 'A key not used for this long is no longer kept warm, and its warm containers are removed.',
      parse: (raw) => parseDuration(raw),
    },
    cancelGrace: {
      flag: 'cancel-grace',
      key: 'cancelGrace',
      default: '2s',
      metavar: 'duration',
      doc: 'Grace between SIGTERM and SIGKILL when a task is cancelled (0s kills at once).',
      parse: (raw) => parseDuration(raw, { min: 0 }),
    },
    toolsImage: {
      flag: 'tools-image',
      key: 'tools.image',
      default: context.packageVersion === undefined ? '' : `baaaht/tools:${context.packageVersion}`,
      defaultText: `baaaht/tools:${context.packageVersion ?? '<package version>'}`,
      metavar: 'image',
      doc: 'Image of the built-in tools (built by `make images`).',
      parse: (raw) => parseText(raw, { pattern: /^[^\s-]\S*$/, what: 'an image reference' }),
    },
    searchUrlTemplate: {
      flag: 'search-url-template',
      key: 'tools.searchUrlTemplate',
      default: 'https://html.duckduckgo.com/html/?q={query}',
      metavar: 'url',
      doc: 'Search URL for web_search; {query} is replaced by the URL-encoded query.',
      parse: (raw) => parseSearchUrlTemplate(raw),
    },
    maxFetchBytes: {
      flag: 'max-fetch-bytes',
      key: 'tools.maxFetchBytes',
      default: '5MiB',
      metavar: 'bytes',
      doc: 'Largest response body fetch_url and web_search download (5MiB = 5242880 bytes).',
      parse: (raw) => parseByteSize(raw),
    },
    maxWriteBytes: {
      flag: 'max-write-bytes',
      key: 'tools.maxWriteBytes',
      default: '32MiB',
      metavar: 'bytes',
      doc: 'Largest file file_write and file_edit may leave behind; a larger write fails WRITE_LIMIT and the file is left as it was.',
      parse: (raw) => parseByteSize(raw),
    },
    webNetwork: {
      flag: 'web-network',
      key: 'tools.webNetwork',
      default: 'baaaht-egress',
      metavar: 'network',
      doc: 'Docker network the web tools join; created internal if missing (their only way out is the egress proxy on its gateway).',
      parse: (raw) => parseText(raw, { pattern: DOCKER_NAME, what: 'a Docker network name' }),
    },
    toolOverrides: {
      key: 'tools.overrides',
      default: {},
      doc:
        'Per-tool settings, keyed by tool type: { image, cpus, memory, pids, timeout, runtime, network }, ' +
        'e.g. tools.overrides.file_read.memory: 128MiB. Memory takes bytes or a unit (at least 6MiB); timeout a duration.',
      parse: (raw) => parseToolOverrides(raw),
    },
    customTools: {
      key: CUSTOM_TOOLS_KEY,
      // A string default: the loader then hands the file's list to `parse` as it is (convict's
      // check for structured defaults takes only mappings). The list is compiled by
      // parseWorkerArgs, which can name the faulty entry as tools.custom[i].field.
      default: '',
      doc:
        'The operator\'s own tools: a list of { name, description, image, command, params, network, mount, runtime, ' +
        'cpus, memory, pids, timeout }. command is an argv whose {param} placeholders take the task\'s values, each ' +
        'inside its own argument, never through a shell; params declare them: { type: string|integer|boolean, ' +
        'required, default, pattern, maxLength, allowLeadingDash, min, max }. See config/worker.example.yaml.',
      parse: (raw) => customToolList(raw),
    },
  } satisfies Record<string, OptionSpec<unknown>>;
}
