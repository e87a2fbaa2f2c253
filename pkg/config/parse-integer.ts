import { InvalidValueError, showValue } from './invalid-value-error.js';

/** A whole number given as a number or a string of digits, within [min, max]. */
export function parseInteger(raw: unknown, options: { min?: number; max?: number } = {}): number {
  const min = options.min ?? 0;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) value = Number(raw);
  else value = Number.NaN;
  if (!Number.isSafeInteger(value)) throw new InvalidValueError(`${showValue(raw)} is not a whole number`);
  if (value < min) throw new InvalidValueError(`${showValue(raw)} is less than the minimum of ${min}`);
  if (value > max) throw new InvalidValueError(`${showValue(raw)} is more than the maximum of ${max}`);
  return value;
}
