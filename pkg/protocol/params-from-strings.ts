import { WorkerError } from '../errors/index.js';
import { quoteValue } from '../errors/quote-value.js';
import { type BuiltinParamsCase, isBuiltinToolType, paramsCaseForTool, type TaskParams } from './tool-params.js';

/** The keys each built-in params case takes: the proto field names (snake_case). */
export const PARAM_KEYS = Object.freeze({
  fileRead: ['path'],
  fileWrite: ['path', 'content'],
  fileEdit: ['path', 'search', 'replace'],
  grep: ['pattern', 'path', 'recursive', 'ignore_case'],
  find: ['path', 'name', 'type'],
  list: ['path'],
  fetchUrl: ['url'],
  webSearch: ['query'],
} as const satisfies Record<BuiltinParamsCase, readonly string[]>);

export type ParamValue = string | Uint8Array;

/**
 * Task params from `key=value` strings (the CLI's `--param`). For a built-in tool the keys are
 * its proto field names; a missing key takes the proto default ('' / false / no bytes) and is
 * judged later by the tool; an unknown key is INVALID_PARAMS naming the allowed ones. Booleans
 * accept only `true` and `false`; `content` may be bytes; other bytes must be UTF-8. Any other
 * tool type gets `{ $case: 'custom' }` with every value as UTF-8 text.
 */
export function paramsFromStrings(toolType: string, values: Readonly<Record<string, ParamValue>>): TaskParams {
  if (!isBuiltinToolType(toolType)) {
    const custom: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      Object.defineProperty(custom, key, { value: text(key, value), enumerable: true, writable: true, configurable: true });
    }
    return { $case: 'custom', custom: { values: custom } };
  }
  const paramsCase = paramsCaseForTool(toolType);
  const allowed: readonly string[] = PARAM_KEYS[paramsCase];
  for (const key of Object.keys(values)) {
    if (!allowed.includes(key)) {
      throw new WorkerError(
        'INVALID_PARAMS',
        `unknown parameter ${quoteValue(key)} for ${toolType}; allowed: ${allowed.join(', ')}`,
      );
    }
  }
  const str = (key: string): string => (Object.hasOwn(values, key) ? text(key, values[key]) : '');
  const bool = (key: string): boolean => (Object.hasOwn(values, key) ? boolean(key, values[key]) : false);
  switch (paramsCase) {
    case 'fileRead':
      return { $case: 'fileRead', fileRead: { path: str('path') } };
    case 'fileWrite':
      return { $case: 'fileWrite', fileWrite: { path: str('path'), content: bytes(Object.hasOwn(values, 'content') ? values['content'] : undefined) } };
    case 'fileEdit':
      return { $case: 'fileEdit', fileEdit: { path: str('path'), search: str('search'), replace: str('replace') } };
    case 'grep':
      return {
        $case: 'grep',
        grep: { pattern: str('pattern'), path: str('path'), recursive: bool('recursive'), ignoreCase: bool('ignore_case') },
      };
    case 'find':
      return { $case: 'find', find: { path: str('path'), name: str('name'), type: str('type') } };
    case 'list':
      return { $case: 'list', list: { path: str('path') } };
    case 'fetchUrl':
      return { $case: 'fetchUrl', fetchUrl: { url: str('url') } };
    case 'webSearch':
      return { $case: 'webSearch', webSearch: { query: str('query') } };
  }
}

function text(key: string, value: ParamValue | undefined): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(value);
    } catch (error) {
      throw new WorkerError('INVALID_PARAMS', `parameter ${quoteValue(key)} is not valid UTF-8`, { cause: error });
    }
  }
  throw new WorkerError('INVALID_PARAMS', `parameter ${quoteValue(key)} must be a string or bytes`);
}

function boolean(key: string, value: ParamValue | undefined): boolean {
  const word = text(key, value);
  if (word === 'true') return true;
  if (word === 'false') return false;
  throw new WorkerError('INVALID_PARAMS', `parameter ${quoteValue(key)} must be true or false, got ${quoteValue(word)}`);
}

function bytes(value: ParamValue | undefined): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw new WorkerError('INVALID_PARAMS', 'parameter "content" must be a string or bytes');
}
