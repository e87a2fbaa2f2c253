import { InvalidValueError, showValue } from './invalid-value-error.js';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * A strict boolean: true/false from a file, or `true`, `false`, `1`, `0`, `yes`, `no`, `on`,
 * `off` (any case) from a flag or variable. Anything else is an error (convict's Boolean
 * would take any string but "false" as true).
 */
export function parseBoolean(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const word = raw.trim().toLowerCase();
    if (TRUE.has(word)) return true;
    if (FALSE.has(word)) return false;
  }
  throw new InvalidValueError(`${showValue(raw)} is not a boolean (true or false)`);
}
