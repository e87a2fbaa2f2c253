import type { OrchestratorConfig } from './orchestrator-config.js';
import type { ConfigInput } from './config-input.js';
import { ConfigError } from './config-error.js';
import { parseOrchestratorArgs } from './parse-orchestrator-args.js';

/**
 * The reference orchestrator's configuration from flags > `ORCHESTRATOR_*` environment >
 * config file > defaults. Throws ConfigError on anything invalid, and on `--help`
 * (commands that offer help call parseOrchestratorArgs instead).
 */
export function loadOrchestratorConfig(input: ConfigInput): OrchestratorConfig {
  const parsed = parseOrchestratorArgs(input);
  if (parsed.kind === 'help') {
    throw new ConfigError('--help asks for usage, not a configuration (use parseOrchestratorArgs)', { option: '--help' });
  }
  return parsed.config;
}
