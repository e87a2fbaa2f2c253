import { isMapping } from './is-mapping.js';
import { InvalidValueError } from './invalid-value-error.js';
import { readConfigFile } from './read-config-file.js';
import { ConfigError } from './config-error.js';
import { groupNameProblem } from '../placement/label-rules.js';
import { checkWorkerKey } from './worker-key-option-specs.js';

/**
 * `--group-keys FILE`: a YAML or JSON mapping of worker group to that group's worker key
 * (`gpu: "…"`). Empty: no per-group keys. Read once at start; every key is checked like
 * --worker-key.
 */
export function parseGroupKeys(raw: unknown): Readonly<Record<string, string>> {
  if (raw === '') return {};
  if (typeof raw !== 'string') throw new InvalidValueError('the value is not a file name');
  let content: Record<string, unknown>;
  try {
    content = readConfigFile(raw);
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidValueError(error.message.replace('config file', 'group keys file'));
    throw error;
  }
  const keys: Record<string, string> = {};
  for (const [group, key] of Object.entries(content)) {
    const problem = groupNameProblem(group);
    if (problem !== undefined) throw new InvalidValueError(`${raw}: ${problem}`);
    if (isMapping(key) || typeof key !== 'string') throw new InvalidValueError(`${raw}: the key of group ${group} is not a string`);
    try {
      keys[group] = checkWorkerKey(key);
    } catch (error) {
      if (error instanceof InvalidValueError) throw new InvalidValueError(`${raw}: group ${group}: ${error.message}`);
      throw error;
    }
  }
  return keys;
}
