import { WorkerError } from '../errors/index.js';
import { quoteValue } from '../errors/quote-value.js';

export interface TextFieldRules {
  /** Refuse the empty string (and, with `trim`, a string of only white space). */
  readonly nonEmpty?: boolean;
  readonly trim?: boolean;
  /** Largest UTF-8 length. */
  readonly maxBytes?: number;
  /** Refuse control characters (C0, DEL, C1). NUL is refused when either this or `noNul` is set. */
  readonly noControl?: boolean;
  readonly noNul?: boolean;
}

// Matches code points, so a surrogate only matches when it is unpaired.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const CONTROL = /\p{Cc}/u;

/**
 * Checks that a parameter is a well-formed string that keeps the given rules, and returns it.
 * Throws INVALID_PARAMS naming the field otherwise.
 */
export function validateTextField(value: unknown, field: string, rules: TextFieldRules = {}): string {
  if (typeof value !== 'string') {
    throw new WorkerError('INVALID_PARAMS', `${field} must be a string, got ${quoteValue(value)}`);
  }
  if (rules.nonEmpty === true && (rules.trim === true ? value.trim() : value) === '') {
    throw new WorkerError('INVALID_PARAMS', `${field} must not be empty`);
  }
  if (rules.maxBytes !== undefined && Buffer.byteLength(value, 'utf8') > rules.maxBytes) {
    throw new WorkerError('INVALID_PARAMS', `${field} is longer than ${rules.maxBytes} bytes`);
  }
  if ((rules.noNul === true || rules.noControl === true) && value.includes('\0')) {
    throw new WorkerError('INVALID_PARAMS', `${field} must not contain a NUL byte`);
  }
  if (rules.noControl === true && CONTROL.test(value)) {
    throw new WorkerError('INVALID_PARAMS', `${field} must not contain control characters: ${quoteValue(value)}`);
  }
  if (LONE_SURROGATE.test(value)) {
    throw new WorkerError('INVALID_PARAMS', `${field} is not well-formed Unicode (unpaired surrogate)`);
  }
  return value;
}
