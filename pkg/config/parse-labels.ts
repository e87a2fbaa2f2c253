import { isMapping } from './is-mapping.js';
import { InvalidValueError, showValue } from './invalid-value-error.js';
import { PLATFORM_PREFIX, labelsProblem, parseLabelPairs } from '../placement/label-rules.js';

/**
 * A worker's own labels: `key=value` pairs separated by commas (flags: repeat `--label`), or a
 * mapping in a config file. Keys under `platform.` are the worker's to fill in and are refused.
 */
export function parseLabels(raw: unknown): Readonly<Record<string, string>> {
  let labels: Record<string, string>;
  if (raw === '') {
    labels = {};
  } else if (typeof raw === 'string') {
    try {
      labels = parseLabelPairs(raw);
    } catch (error) {
      throw new InvalidValueError(error instanceof Error ? error.message : String(error));
    }
  } else if (isMapping(raw)) {
    labels = {};
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new InvalidValueError(`label ${key}: ${showValue(value)} is not a string`);
      }
      labels[key] = String(value);
    }
  } else {
    throw new InvalidValueError(`${showValue(raw)} is neither key=value pairs nor a mapping`);
  }
  const problem = labelsProblem(labels);
  if (problem !== undefined) throw new InvalidValueError(problem);
  const reserved = Object.keys(labels).find((key) => key.startsWith(PLATFORM_PREFIX));
  if (reserved !== undefined) {
    throw new InvalidValueError(`label ${reserved}: keys under "${PLATFORM_PREFIX}" are filled in by the worker`);
  }
  return labels;
}

/** The `key=value,key=value` text parseLabels reads back. */
export function formatLabelPairs(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
