import { InvalidValueError, showValue } from './invalid-value-error.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * A size in bytes: a whole number (`10485760`), or a number with a binary unit as Docker reads
 * them (`64k`, `128m`, `64MiB`, `1.5GB`: k, m, g, t are all powers of 1024). Fractions of a
 * byte are dropped.
 */
export function parseByteSize(raw: unknown, options: { min?: number; max?: number } = {}): number {
  const min = options.min ?? 1;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  let bytes: number;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) {
    bytes = raw;
  } else {
    const match = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b))?\s*$/i.exec(raw) : null;
    if (match === null) {
      throw new InvalidValueError(`${showValue(raw)} is not a size in bytes (e.g. 1048576, 64MiB, 128m)`);
    }
    const unit = (match[2] ?? match[3] ?? '').toLowerCase();
    bytes = Math.floor(Number(match[1]) * (UNITS[unit] ?? 1));
  }
  if (bytes < min) throw new InvalidValueError(`${showValue(raw)} is less than the minimum of ${min} bytes`);
  if (bytes > max) throw new InvalidValueError(`${showValue(raw)} is more than the maximum of ${max} bytes`);
  return bytes;
}
