import { readFileSync } from 'node:fs';

import { loadAll } from 'js-yaml';

import { ConfigError } from './config-error.js';

/**
 * Reads a config file: JSON when the name ends in `.json`, YAML otherwise (YAML 1.2 also
 * reads JSON). An empty file is an empty mapping. Anything unreadable, unparsable, or not a
 * single mapping is a ConfigError naming the file.
 */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${errorMessage(error)}`, { option: '--config', cause: error });
  }
  let documents: unknown[];
  try {
    documents = path.toLowerCase().endsWith('.json') ? [JSON.parse(text)] : loadAll(text);
  } catch (error) {
    const firstLine = errorMessage(error).split('\n')[0] ?? '';
    throw new ConfigError(`cannot parse config file ${path}: ${firstLine}`, { option: '--config', cause: error });
  }
  if (documents.length > 1) {
    throw new ConfigError(`config file ${path} holds ${documents.length} YAML documents; expected one`, { option: '--config' });
  }
  const [content] = documents;
  if (content === undefined || content === null) return {};
  if (typeof content !== 'object' || Array.isArray(content)) {
    throw new ConfigError(`config file ${path} must contain a mapping of option names to values`, { option: '--config' });
  }
  return content as Record<string, unknown>;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
