/**
 * Control characters (C0 with tab and newline, DEL, C1): in a name or message from the wire a
 * terminal would obey them (move the cursor, rewrite lines, set the title...).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with each control character shown as U+FFFD, so that it prints as the text it is. */
export function printable(text: string): string {
  return text.replace(CONTROL, '\uFFFD');
}

/**
 * A copy of what the orchestrator answered with every string in it (map keys too) made
 * printable, for human output: worker names, labels, tool types and messages come from other
 * programs and are not trusted. Bytes (a task's stdout and stderr) are left exactly as they are.
 */
export function printableStrings<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (typeof value === 'string') return printable(value);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(copy);
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [printable(key), copy(inner)]));
}
