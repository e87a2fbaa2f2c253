import type { WorkerConfig } from './worker-config.js';
import type { WorkerConfigInput } from './config-input.js';
import { ConfigError } from './config-error.js';
import { parseWorkerArgs } from './parse-worker-args.js';

/**
 * The worker's configuration from flags > `WORKER_*` environment > config file > defaults.
 * Throws ConfigError on anything invalid, and on `--help` (commands that offer help call
 * parseWorkerArgs instead).
 */
export function loadWorkerConfig(input: WorkerConfigInput): WorkerConfig {
  const parsed = parseWorkerArgs(input);
  if (parsed.kind === 'help') {
    throw new ConfigError('--help asks for usage, not a configuration (use parseWorkerArgs)', { option: '--help' });
  }
  return parsed.config;
}
