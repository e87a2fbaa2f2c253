import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { WorkerConfig } from './worker-config.js';
import type { ParsedArgs, WorkerConfigInput } from './config-input.js';
import { findPackageVersion } from './find-package-version.js';
import { loadOptions } from './load-options.js';
import { compileClientTls } from './compile-client-tls.js';
import { compileCustomTools } from './parse-custom-tools.js';
import { WORKER_CONFIG_FILE, workerHelpText } from './worker-help-text.js';
import { WORKER_ENV_PREFIX, workerOptionSpecs } from './worker-option-specs.js';

/**
 * The worker's command line, environment and config file, resolved: either `--help` was
 * asked for (print `text`, exit 0) or a compiled WorkerConfig. Throws ConfigError on any bad
 * flag, environment variable or config file.
 */
export function parseWorkerArgs(input: WorkerConfigInput): ParsedArgs<WorkerConfig> {
  const specs = workerOptionSpecs({
    hostname: input.hostname,
    dockerHost: input.env['DOCKER_HOST'],
    packageVersion: findPackageVersion(import.meta.url),
  });
  const loaded = loadOptions(specs, {
    argv: input.argv,
    env: input.env,
    envPrefix: WORKER_ENV_PREFIX,
    defaultConfigFile: join(input.homeDir, WORKER_CONFIG_FILE),
  });
  if (loaded.kind === 'help') return { kind: 'help', text: workerHelpText() };
  const v = loaded.values;
  return {
    kind: 'config',
    config: {
      orchestratorAddr: v.orchestratorAddr,
      ...(v.trustSocketOwners.length > 0 ? { trustSocketOwners: v.trustSocketOwners } : {}),
      ...compileClientTls(v.orchestratorAddr, '--orchestrator-addr', v),
      name: v.name,
      group: v.group,
      labels: v.labels,
      dialTimeoutMs: v.dialTimeout,
      rpcTimeoutMs: v.rpcTimeout,
      maxRecvMsgSize: v.maxRecvMsgSize,
      maxSendMsgSize: v.maxSendMsgSize,
      reconnectIntervalMs: v.reconnectInterval,
      reconnectMaxIntervalMs: Math.max(v.reconnectMaxInterval, v.reconnectInterval),
      reconnectMaxAttempts: v.reconnectMaxAttempts,
      heartbeatIntervalMs: v.heartbeatInterval,
      maxConcurrentTasks: v.maxConcurrentTasks,
      log: { level: v.logLevel, format: v.logFormat, output: v.logOutput },
      dockerSocket: v.dockerSocket,
      outputCapBytes: v.outputCap,
      cancelGraceMs: v.cancelGrace,
      shutdownTimeoutMs: v.shutdownTimeout,
      ...(v.workerKey ? { workerKey: v.workerKey } : {}),
      workDir: v.workDir || defaultWorkDir(v.name),
      mountRoots: v.mountRoots,
      neverMount: v.neverMount,
      mountPinDir: v.mountPinDir || join(v.workDir || defaultWorkDir(v.name), 'pins'),
      ...(loaded.configFile ? { configFile: loaded.configFile } : {}),
      tlsFiles: [v.caCert, v.cert, v.key].filter((file): file is string => typeof file === 'string' && file !== ''),
      policyFile: v.policy,
      auditLog: v.auditLog || join(v.workDir || defaultWorkDir(v.name), 'audit.log'),
      taskRecords: { enabled: v.taskRecords, retentionMs: v.taskRecordRetention },
      resultMemoryBytes: v.resultMemory,
      minFreeDiskBytes: v.minFreeDisk,
      unackedResults: { maxCount: v.maxUnackedResults, maxBytes: v.maxUnackedBytes, ttlMs: v.unackedResultTtl },
      reapIntervalMs: v.reapInterval,
      reapMarginMs: v.reapMargin,
      engineCheckIntervalMs: v.engineCheckInterval,
      ...(v.metricsAddr ? { metricsAddr: v.metricsAddr } : {}),
      warmPool: { enabled: v.warmPool, perKey: v.warmPerKey, max: v.warmMax, idleMs: v.warmIdle },
      tools: {
        image: v.toolsImage,
        searchUrlTemplate: v.searchUrlTemplate,
        maxFetchBytes: v.maxFetchBytes,
        maxWriteBytes: v.maxWriteBytes,
        webNetwork: v.webNetwork,
        overrides: v.toolOverrides,
        custom: compileCustomTools(v.customTools, loaded.configFile),
      },
    },
  };
}

/** `<tmpdir>/baaaht-worker-<name>`, the name made safe for a path. */
function defaultWorkDir(name: string): string {
  return join(tmpdir(), `baaaht-worker-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
}
