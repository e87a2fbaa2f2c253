import { join } from 'node:path';

import type { OrchestratorConfig } from './orchestrator-config.js';
import type { ConfigInput, ParsedArgs } from './config-input.js';
import { compileServerTls } from './compile-server-tls.js';
import { compileSocketSettings } from './compile-socket-settings.js';
import { checkClientAuthentication } from './check-client-authentication.js';
import { loadOptions } from './load-options.js';
import { ORCHESTRATOR_CONFIG_FILE, orchestratorHelpText } from './orchestrator-help-text.js';
import { ORCHESTRATOR_ENV_PREFIX, orchestratorOptionSpecs } from './orchestrator-option-specs.js';

/**
 * The orchestrator's command line, environment and config file, resolved: either `--help`
 * was asked for (print `text`, exit 0) or a compiled OrchestratorConfig. Throws ConfigError
 * on any bad flag, environment variable or config file.
 */
export function parseOrchestratorArgs(input: ConfigInput): ParsedArgs<OrchestratorConfig> {
  const loaded = loadOptions(orchestratorOptionSpecs({ homeDir: input.homeDir }), {
    argv: input.argv,
    env: input.env,
    envPrefix: ORCHESTRATOR_ENV_PREFIX,
    defaultConfigFile: join(input.homeDir, ORCHESTRATOR_CONFIG_FILE),
  });
  if (loaded.kind === 'help') return { kind: 'help', text: orchestratorHelpText() };
  const v = loaded.values;
  const tls = compileServerTls(v.listen, v);
  checkClientAuthentication(v.listen, { ...tls, clientTokens: v.clientTokens });
  return {
    kind: 'config',
    config: {
      listen: v.listen,
      ...compileSocketSettings(v.listen, v.socketMode, v.socketGroup),
      ...tls,
      ...(v.clientTokens.length > 0 ? { clientTokens: v.clientTokens } : {}),
      queueLimits: { maxQueuedTasks: v.maxQueuedTasks, maxQueuedBytes: v.maxQueuedBytes, maxTasksPerClient: v.maxTasksPerClient },
      maxRecvMsgSize: v.maxRecvMsgSize,
      maxSendMsgSize: v.maxSendMsgSize,
      resultRetentionMs: v.resultRetention,
      maxRetainedResults: v.maxRetainedResults,
      workerTimeoutMs: v.workerTimeout,
      maxAttempts: v.maxAttempts,
      ...(v.workerKey ? { workerKey: v.workerKey } : {}),
      ...(Object.keys(v.groupKeys).length > 0 ? { groupKeys: v.groupKeys } : {}),
      ...(v.metricsAddr ? { metricsAddr: v.metricsAddr } : {}),
      dataDir: v.dataDir,
      log: { level: v.logLevel, format: v.logFormat, output: v.logOutput },
    },
  };
}
