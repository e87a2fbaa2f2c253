import { compileConfiguredTool } from '../tools/compile-configured-tool.js';
import { CONFIGURED_PARAM_KEYS } from '../tools/compile-configured-param.js';
import type { ConfiguredParam, ConfiguredToolDefinition } from '../tools/configured-tool-definition.js';
import type { MountUse, ResourceLimits } from '../tools/tool-spec.js';
import { isToolDefinitionError } from '../tools/tool-definition-error.js';
import { BUILTIN_TOOL_TYPES } from '../protocol/tool-params.js';
import { ConfigError } from './config-error.js';
import { InvalidValueError, showValue } from './invalid-value-error.js';
import { parseByteSize } from './parse-byte-size.js';
import { parseChoice } from './parse-choice.js';
import { parseDuration } from './parse-duration.js';
import { parseInteger } from './parse-integer.js';
import { DOCKER_NAME, parseText } from './parse-text.js';
import { MIN_MEMORY_BYTES } from './parse-tool-overrides.js';
import { isMapping } from './is-mapping.js';
import { parseCpus } from './parse-cpus.js';
import { parseBoolean } from './parse-boolean.js';

/** Where the list sits in the worker's config file. */
export const CUSTOM_TOOLS_KEY = 'tools.custom';

const FIELDS = ['name', 'description', 'image', 'command', 'interpolate', 'params', 'network', 'mount', 'runtime', 'cpus', 'memory', 'pids', 'timeout'] as const;
const MOUNT_USES: readonly MountUse[] = ['none', 'read', 'write'];
const PARAM_TYPES: readonly ConfiguredParam['type'][] = ['string', 'integer', 'boolean'];

/**
 * `tools.custom` from a config file: a list of tool definitions
 * `{ name, description, image, command, params, network, mount, runtime, cpus, memory, pids, timeout }`,
 * compiled into ConfiguredToolDefinition (memory in bytes, timeout in ms; unset fields stay unset
 * and take createConfiguredTool's defaults). Each definition is checked in full here
 * (compileConfiguredTool), and its name must be no built-in tool's and appear once.
 * Throws InvalidValueError whose subKey locates the fault: `[0].command[2]`, `[1].params.size.max`.
 */
export function parseCustomTools(raw: unknown): ConfiguredToolDefinition[] {
  const list = customToolList(raw);
  const seen = new Map<string, number>();
  return list.map((item: unknown, index) => {
    const definition = parseDefinition(item, `[${index}]`);
    const builtin: readonly string[] = BUILTIN_TOOL_TYPES;
    if (builtin.includes(definition.name)) {
      throw new InvalidValueError(`${showValue(definition.name)} is a built-in tool; choose another name`, `[${index}].name`);
    }
    const earlier = seen.get(definition.name);
    if (earlier !== undefined) {
      throw new InvalidValueError(`${showValue(definition.name)} is already defined by tools.custom[${earlier}]`, `[${index}].name`);
    }
    seen.set(definition.name, index);
    return definition;
  });
}

/**
 * The raw `tools.custom` list, only checked to be one (or unset: empty); parseCustomTools
 * compiles it. Throws InvalidValueError.
 */
export function customToolList(raw: unknown): readonly unknown[] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) throw new InvalidValueError(`${showValue(raw)} is not a list of tool definitions`);
  return raw;
}

/**
 * The compiled `tools.custom` of a config file, for parseWorkerArgs: a ConfigError naming
 * `tools.custom[i].field` and the file when a definition is invalid.
 */
export function compileCustomTools(raw: readonly unknown[], configFile: string | undefined): ConfiguredToolDefinition[] {
  try {
    return parseCustomTools(raw);
  } catch (error) {
    if (!(error instanceof InvalidValueError)) throw error;
    const option = `${CUSTOM_TOOLS_KEY}${error.subKey ?? ''}`;
    const where = configFile === undefined ? '' : ` (in ${configFile})`;
    throw new ConfigError(`invalid value for ${option}${where}: ${error.reason}`, { option, cause: error });
  }
}

function parseDefinition(raw: unknown, at: string): ConfiguredToolDefinition {
  if (!isMapping(raw)) throw new InvalidValueError(`${showValue(raw)} is not a mapping with keys ${FIELDS.join(', ')}`, at);
  for (const key of Object.keys(raw)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new InvalidValueError(`unknown key (expected one of ${FIELDS.join(', ')})`, `${at}.${key}`);
    }
  }
  const field = <T>(key: string, parse: (value: unknown) => T): T | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof InvalidValueError) {
        throw new InvalidValueError(error.reason, error.subKey === undefined ? `${at}.${key}` : `${at}.${key}${error.subKey}`);
      }
      throw error;
    }
  };
  const needed = <T>(key: string, parse: (value: unknown) => T): T => {
    const value = field(key, parse);
    if (value === undefined) throw new InvalidValueError('is required', `${at}.${key}`);
    return value;
  };

  const name = needed('name', (value) => parseText(value, { maxLength: 64 }));
  const description = field('description', parseDescription);
  const image = field('image', (value) => parseText(value, { pattern: /^[^\s-]\S*$/, what: 'an image reference' }));
  const command = needed('command', parseCommand);
  const interpolate = field('interpolate', (value) => parseBoolean(value));
  const params = field('params', parseParams);
  const network = field('network', (value) => parseText(value, { pattern: DOCKER_NAME, what: 'a Docker network name' }));
  const mount = field('mount', (value) => parseChoice(value, MOUNT_USES));
  const runtime = field('runtime', (value) => parseText(value, { pattern: DOCKER_NAME, what: 'a runtime name' }));
  const limits: { -readonly [K in keyof ResourceLimits]?: ResourceLimits[K] } = {};
  const cpus = field('cpus', parseCpus);
  const memoryBytes = field('memory', (value) => parseByteSize(value, { min: MIN_MEMORY_BYTES }));
  const pids = field('pids', (value) => parseInteger(value, { min: 1 }));
  const timeoutMs = field('timeout', (value) => parseDuration(value));
  if (cpus !== undefined) limits.cpus = cpus;
  if (memoryBytes !== undefined) limits.memoryBytes = memoryBytes;
  if (pids !== undefined) limits.pids = pids;

  const definition: ConfiguredToolDefinition = {
    name,
    ...(description === undefined ? {} : { description }),
    ...(image === undefined ? {} : { image }),
    command,
    ...(interpolate === undefined ? {} : { interpolate }),
    ...(params === undefined ? {} : { params }),
    ...(network === undefined ? {} : { network }),
    ...(mount === undefined ? {} : { mount }),
    ...(runtime === undefined ? {} : { runtime }),
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
  try {
    compileConfiguredTool(definition);
  } catch (error) {
    if (isToolDefinitionError(error)) throw new InvalidValueError(`tool ${showValue(name)}: ${error.reason}`, `${at}.${error.field}`);
    throw error;
  }
  return definition;
}

function parseDescription(raw: unknown): string {
  if (typeof raw !== 'string') throw new InvalidValueError(`${showValue(raw)} is not a string`);
  return raw;
}

function parseCommand(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidValueError(`${showValue(raw)} is not a non-empty list of strings (the program and its arguments)`);
  }
  return raw.map((element: unknown, index) => {
    if (typeof element !== 'string') {
      throw new InvalidValueError(`${showValue(element)} is not a string (quote numbers and booleans: "5")`, `[${index}]`);
    }
    return element;
  });
}

function parseParams(raw: unknown): Record<string, ConfiguredParam> {
  if (!isMapping(raw)) throw new InvalidValueError(`${showValue(raw)} is not a mapping of parameter name to { type, ... }`);
  const params: Record<string, ConfiguredParam> = {};
  for (const [name, rules] of Object.entries(raw)) {
    Object.defineProperty(params, name, { value: parseParam(rules, `.${name}`), enumerable: true, writable: false, configurable: false });
  }
  return params;
}

/** Checks the shape and types of a parameter's keys; its rules as a whole are compileConfiguredTool's. */
function parseParam(raw: unknown, at: string): ConfiguredParam {
  if (!isMapping(raw)) throw new InvalidValueError(`${showValue(raw)} is not a mapping with at least a type`, at);
  const type = raw['type'];
  if (type === undefined || type === null) throw new InvalidValueError(`is required (${PARAM_TYPES.join(', ')})`, `${at}.type`);
  if (!(PARAM_TYPES as readonly unknown[]).includes(type)) {
    throw new InvalidValueError(`${showValue(type)} is not one of ${PARAM_TYPES.join(', ')}`, `${at}.type`);
  }
  const paramType = type as ConfiguredParam['type'];
  const allowed = CONFIGURED_PARAM_KEYS[paramType];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!allowed.includes(key)) {
      throw new InvalidValueError(`unknown key for ${paramType === 'integer' ? 'an' : 'a'} ${paramType} parameter (expected one of ${allowed.join(', ')})`, `${at}.${key}`);
    }
    if (value === null) continue;
    const expected = valueType(key, paramType);
    const ok = expected === 'integer' ? Number.isSafeInteger(value) : typeof value === expected;
    if (!ok) throw new InvalidValueError(`${showValue(value)} is not ${expected === 'integer' ? 'a whole number' : `a ${expected}`}`, `${at}.${key}`);
    out[key] = value;
  }
  return out as unknown as ConfiguredParam;
}

/** What YAML type each parameter key takes. */
function valueType(key: string, type: ConfiguredParam['type']): 'string' | 'integer' | 'boolean' {
  switch (key) {
    case 'required':
    case 'allowLeadingDash':
      return 'boolean';
    case 'min':
    case 'max':
    case 'maxLength':
      return 'integer';
    case 'default':
      return type;
    default:
      return 'string';
  }
}
