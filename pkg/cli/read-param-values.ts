import type { ParamSource } from './parse-task-args.js';
import { UsageError } from './usage-error.js';

/** Resolves `--param KEY=@FILE` sources to the file's bytes; text stays text. */
export async function readParamValues(
  params: Readonly<Record<string, ParamSource>>,
  readFile: (path: string) => Promise<Uint8Array>,
): Promise<Record<string, string | Uint8Array>> {
  const values: Record<string, string | Uint8Array> = Object.create(null);
  for (const [key, source] of Object.entries(params)) {
    if (source.kind === 'text') {
      values[key] = source.text;
      continue;
    }
    try {
      values[key] = await readFile(source.path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(`--param ${key}=@${source.path}: cannot read the file (${reason})`);
    }
  }
  return values;
}
