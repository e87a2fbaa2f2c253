/**
 * Thrown by the value parsers: `reason` says what is wrong with the value (`"abc" is not a
 * duration (e.g. 30s, 5m)`); `subKey` locates the fault inside a structured value
 * (`file_read.memory` inside `tools.overrides`). The loader turns it into a ConfigError
 * naming the option and the value's source.
 */
export class InvalidValueError extends Error {
  override readonly name = 'InvalidValueError';

  constructor(
    readonly reason: string,
    readonly subKey?: string,
  ) {
    super(subKey === undefined ? reason : `${subKey}: ${reason}`);
  }
}

/** How a value is quoted in messages: strings in double quotes, the rest as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json;
}
