import { findPackageVersion } from './find-package-version.js';
import { formatHelpText } from './format-help-text.js';
import { WORKER_ENV_PREFIX, workerOptionSpecs } from './worker-option-specs.js';

/** Where the worker looks for a config file when none is named, under the home directory. */
export const WORKER_CONFIG_FILE = '.config/baaaht/config.yaml';

/** The worker's usage: every flag with its default, environment variable and config-file key. */
export function workerHelpText(): string {
  return formatHelpText({
    command: 'baaaht-worker',
    summary: "Connects to an orchestrator and runs its tool tasks in fresh, locked-down Docker containers.",
    envPrefix: WORKER_ENV_PREFIX,
    defaultConfigFile: `~/${WORKER_CONFIG_FILE}`,
    specs: workerOptionSpecs({
      hostname: '<hostname>',
      dockerHost: undefined,
      packageVersion: findPackageVersion(import.meta.url),
    }),
  });
}
