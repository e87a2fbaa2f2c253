import { InvalidValueError, showValue } from './invalid-value-error.js';

/** A positive number of CPUs, from a number or a decimal string (`0.5`). */
export function parseCpus(raw: unknown): number {
  const value = typeof raw === 'string' && /^\s*\d*\.?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidValueError(`${showValue(raw)} is not a positive number of CPUs (e.g. 0.5)`);
  }
  return value;
}
