import { formatHelpText } from './format-help-text.js';
import { ORCHESTRATOR_ENV_PREFIX, orchestratorOptionSpecs } from './orchestrator-option-specs.js';

/** Where the orchestrator looks for a config file when none is named, under the home directory. */
export const ORCHESTRATOR_CONFIG_FILE = '.config/baaaht/orchestrator.yaml';

/** The reference orchestrator's usage: every flag with its default, environment variable and file key. */
export function orchestratorHelpText(): string {
  return formatHelpText({
    command: 'baaaht-orchestrator',
    summary: 'Reference orchestrator: accepts tool tasks and hands them to connected workers.',
    envPrefix: ORCHESTRATOR_ENV_PREFIX,
    defaultConfigFile: `~/${ORCHESTRATOR_CONFIG_FILE}`,
    specs: orchestratorOptionSpecs(),
  });
}
