import { InvalidValueError, showValue } from './invalid-value-error.js';

/**
 * The items of a repeatable option: comma-separated text (flags, joined repeats, environment), a
 * list (config file) of strings or numbers, or one number; trimmed, empty items dropped. `what`
 * names one item in errors (`a uid or a user name`). Throws InvalidValueError.
 */
export function listItems(raw: unknown, what: string): string[] {
  if (raw === '' || raw === undefined || raw === null) return [];
  if (typeof raw === 'number') return [String(raw)];
  if (typeof raw === 'string') return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (Array.isArray(raw)) {
    return raw.map((item: unknown) => {
      if (typeof item === 'string' || typeof item === 'number') return String(item).trim();
      throw new InvalidValueError(`${showValue(item)} is not ${what}`);
    });
  }
  throw new InvalidValueError(`${showValue(raw)} is not ${what}, nor a list of them`);
}
