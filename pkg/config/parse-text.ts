import { InvalidValueError, showValue } from './invalid-value-error.js';

/** Docker object names (networks, runtimes): what the engine accepts. */
export const DOCKER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * A non-empty string without control characters; with `pattern`, one that matches it
 * (`what` says what was expected, e.g. `a Docker network name`).
 */
export function parseText(raw: unknown, options: { pattern?: RegExp; what?: string; maxLength?: number } = {}): string {
  if (typeof raw !== 'string') throw new InvalidValueError(`${showValue(raw)} is not a string`);
  if (raw.length === 0) throw new InvalidValueError('the value is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw new InvalidValueError(`${showValue(raw)} contains control characters`);
  if (options.maxLength !== undefined && raw.length > options.maxLength) {
    throw new InvalidValueError(`${showValue(raw)} is longer than ${options.maxLength} characters`);
  }
  if (options.pattern !== undefined && !options.pattern.test(raw)) {
    throw new InvalidValueError(`${showValue(raw)} is not ${options.what ?? `of the form ${options.pattern.source}`}`);
  }
  return raw;
}
