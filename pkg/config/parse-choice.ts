import { InvalidValueError, showValue } from './invalid-value-error.js';

/** One of a fixed set of strings, matched exactly. */
export function parseChoice<T extends string>(raw: unknown, choices: readonly T[]): T {
  const match = choices.find((choice) => choice === raw);
  if (match === undefined) throw new InvalidValueError(`${showValue(raw)} is not one of ${choices.join(', ')}`);
  return match;
}
