import ms from 'ms';

import { InvalidValueError, showValue } from './invalid-value-error.js';

/** Longest delay a Node timer honours; longer ones fire at once (TimeoutOverflowWarning). */
export const MAX_DURATION_MS = 2_147_483_647;

/**
 * A human duration (`250ms`, `30s`, `5m`, `1.5h`) in whole milliseconds. A unit is required:
 * a bare `30` is rejected rather than guessed. `min` is 1 unless zero makes sense.
 */
export function parseDuration(raw: unknown, options: { min?: number } = {}): number {
  const min = options.min ?? 1;
  const notDuration = new InvalidValueError(`${showValue(raw)} is not a duration (e.g. 30s, 5m)`);
  if (typeof raw !== 'string' || !/^\s*-?[\d.]+\s*[a-z]+\s*$/i.test(raw)) throw notDuration;
  const parsed = ms(raw.trim() as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed)) throw notDuration;
  const value = Math.round(parsed);
  if (value < min) {
    throw new InvalidValueError(
      min <= 0 ? `${showValue(raw)} is negative` : min === 1 ? `${showValue(raw)} must be more than zero` : `${showValue(raw)} is shorter than ${ms(min)}`,
    );
  }
  if (value > MAX_DURATION_MS) {
    throw new InvalidValueError(`${showValue(raw)} is too long (at most ${Math.floor(MAX_DURATION_MS / 86_400_000)} days)`);
  }
  return value;
}
