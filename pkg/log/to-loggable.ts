/**
 * A value made safe for JSON: Errors become `{ name, message, code?, stack?, cause? }`
 * (JSON.stringify turns them into `{}`), bigints become strings, repeated references
 * `[Circular]`, functions and symbols are dropped.
 */
export function toLoggable(value: unknown, options: { stack?: boolean } = {}): unknown {
  const seen = new WeakSet<object>();
  const convert = (input: unknown): unknown => {
    if (typeof input === 'bigint') return input.toString();
    if (typeof input === 'function' || typeof input === 'symbol') return undefined;
    if (typeof input !== 'object' || input === null) return input;
    if (seen.has(input)) return '[Circular]';
    seen.add(input);
    try {
      if (input instanceof Error) {
        const error: Record<string, unknown> = { name: input.name, message: input.message };
        const code = (input as { code?: unknown }).code;
        if (typeof code === 'string' || typeof code === 'number') error['code'] = code;
        if (options.stack === true && input.stack !== undefined) error['stack'] = input.stack;
        if (input.cause !== undefined) error['cause'] = convert(input.cause);
        return error;
      }
      if (input instanceof Date) return Number.isNaN(input.getTime()) ? 'Invalid Date' : input.toISOString();
      if (Array.isArray(input)) return input.map((item) => convert(item) ?? null);
      if (input instanceof Map) return convert(Object.fromEntries(input));
      if (input instanceof Set) return convert([...input]);
      if (ArrayBuffer.isView(input)) return `<${input.byteLength} bytes>`;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(input)) {
        const converted = convert(item);
        if (converted !== undefined) out[key] = converted;
      }
      return out;
    } finally {
      seen.delete(input);
    }
  };
  return convert(value);
}
