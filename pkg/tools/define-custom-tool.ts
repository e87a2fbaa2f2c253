import { WorkerError, isWorkerError } from '../errors/index.js';
import type { MountUse, ResourceLimits, ToolSpec } from './tool-spec.js';
import { FILE_TOOL_LIMITS, FILE_TOOL_TIMEOUT_MS } from './builtin-tool-limits.js';
import { expectParams } from './expect-params.js';
import { quoteValue } from '../errors/quote-value.js';
import { validateToolSpec } from './validate-tool-spec.js';

export type CustomToolValues = Readonly<Record<string, string>>;

export interface CustomToolDefinition {
  readonly type: string;
  readonly description: string;
  readonly image: string;
  /**
   * The argv for a task's values (CustomParams.values, hostile input: validate them here and
   * throw a WorkerError; any other error becomes INVALID_PARAMS with its message).
   */
  readonly argv: (values: CustomToolValues) => readonly string[];
  /** Bytes (or UTF-8 text) for the container's stdin. */
  readonly stdin?: (values: CustomToolValues) => Uint8Array | string | undefined;
  /** Default `none`. */
  readonly network?: string;
  /** Default `none`: no files. */
  readonly mount?: MountUse;
  /** Each field defaults to the file-tool limits (0.1 CPU, 64 MiB, 10 PIDs). */
  readonly limits?: Partial<ResourceLimits>;
  /** Default 30 s. */
  readonly timeoutMs?: number;
  readonly runtime?: string;
}

/**
 * A tool spec for a user's own tool. Its tasks carry the `custom` params case; the values map is
 * copied into a plain object and handed to `argv` (and `stdin`). The argv must be a non-empty list
 * of strings without NUL bytes. Throws INVALID_PARAMS at once for an invalid definition.
 */
export function defineCustomTool(definition: CustomToolDefinition): ToolSpec {
  const { type, argv, stdin } = definition;
  const spec: ToolSpec = {
    type,
    description: definition.description,
    image: definition.image,
    network: definition.network ?? 'none',
    mount: definition.mount ?? 'none',
    limits: {
      cpus: definition.limits?.cpus ?? FILE_TOOL_LIMITS.cpus,
      memoryBytes: definition.limits?.memoryBytes ?? FILE_TOOL_LIMITS.memoryBytes,
      pids: definition.limits?.pids ?? FILE_TOOL_LIMITS.pids,
    },
    timeoutMs: definition.timeoutMs ?? FILE_TOOL_TIMEOUT_MS,
    ...(definition.runtime === undefined ? {} : { runtime: definition.runtime }),
    custom: true,
    buildInvocation(params) {
      const values = copyValues(expectParams(params, 'custom', type).values);
      const args = callUserFunction(type, () => argv(values));
      const input = stdin === undefined ? undefined : callUserFunction(type, () => stdin(values));
      return {
        argv: checkArgv(type, args),
        ...(input === undefined ? {} : { stdin: checkStdin(type, input) }),
      };
    },
  };
  if (typeof argv !== 'function') {
    throw new WorkerError('INVALID_PARAMS', `tool ${quoteValue(type)}: argv must be a function`);
  }
  validateToolSpec(spec);
  return spec;
}

function copyValues(values: unknown): CustomToolValues {
  if (typeof values !== 'object' || values === null) return {};
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'string') {
      throw new WorkerError('INVALID_PARAMS', `custom value ${quoteValue(key)} must be a string`);
    }
    Object.defineProperty(copy, key, { value, enumerable: true, writable: false, configurable: false });
  }
  return Object.freeze(copy);
}

function callUserFunction<T>(type: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (isWorkerError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new WorkerError('INVALID_PARAMS', `${type}: ${reason}`, { cause: error });
  }
}

function checkArgv(type: string, args: unknown): string[] {
  if (!Array.isArray(args) || args.length === 0) {
    throw new WorkerError('INVALID_PARAMS', `tool ${type}: argv must return a non-empty array`);
  }
  return args.map((arg: unknown, index) => {
    if (typeof arg !== 'string' || arg.includes('\0') || (index === 0 && arg === '')) {
      throw new WorkerError('INVALID_PARAMS', `tool ${type}: argv[${index}] must be a string without NUL bytes (argv[0] non-empty)`);
    }
    return arg;
  });
}

function checkStdin(type: string, input: unknown): Uint8Array {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof Uint8Array) return input;
  throw new WorkerError('INVALID_PARAMS', `tool ${type}: stdin must return bytes, a string or undefined`);
}
