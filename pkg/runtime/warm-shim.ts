/** The image label that says an image carries the warm pool's start shim, and which protocol it speaks. */
export const WARM_SHIM_LABEL = 'io.baaaht.warm-shim';
export const WARM_SHIM_PROTOCOL = '1';
/** Where the shim is in such an image (images/tools/baaaht-run). */
export const WARM_SHIM_PATH = '/usr/local/bin/baaaht-run';

/**
 * The header a claim writes to a warm container's stdin before the task's own stdin: `<N>\n`,
 * then N bytes of NUL-terminated fields: argc, the argv, then `KEY=VALUE` environment entries
 * (images/tools/baaaht-run reads it). Undefined when the command cannot travel this way (empty
 * argv, a NUL anywhere, an environment name that is empty or holds `=`): such a task runs cold,
 * where the engine judges it as it always did. Pure.
 */
export function encodeShimHeader(argv: readonly string[], env: Readonly<Record<string, string>> = {}): Buffer | undefined {
  if (argv.length === 0) return undefined;
  const fields = [String(argv.length), ...argv];
  for (const [key, value] of Object.entries(env)) {
    if (key === '' || key.includes('=')) return undefined;
    fields.push(`${key}=${value}`);
  }
  if (fields.some((field) => field.includes('\0'))) return undefined;
  const body = Buffer.from(fields.map((field) => `${field}\0`).join(''), 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}
