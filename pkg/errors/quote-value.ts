const MAX_QUOTED_CHARS = 80;

/**
 * A hostile value made safe to put in an error message: JSON-quoted (control characters escaped)
 * and cut to a short prefix.
 */
export function quoteValue(value: unknown): string {
  if (typeof value !== 'string') return `a ${value === null ? 'null' : typeof value}`;
  const head = value.length > MAX_QUOTED_CHARS ? `${value.slice(0, MAX_QUOTED_CHARS)}…` : value;
  return JSON.stringify(head);
}
