import type { ToolOverride } from '../tools/builtin-tool-options.js';
import type { ResourceLimits } from '../tools/tool-spec.js';
import { InvalidValueError, showValue } from './invalid-value-error.js';
import { parseByteSize } from './parse-byte-size.js';
import { parseDuration } from './parse-duration.js';
import { parseInteger } from './parse-integer.js';
import { DOCKER_NAME, parseText } from './parse-text.js';
import { isMapping } from './is-mapping.js';
import { parseCpus } from './parse-cpus.js';

/** Docker refuses memory limits below 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

const TOOL_TYPE = /^[a-z0-9_-]+$/;
const FIELDS = ['image', 'cpus', 'memory', 'pids', 'timeout', 'runtime', 'network'] as const;

/**
 * `tools.overrides` from a config file: a mapping from tool type to
 * `{ image, cpus, memory, pids, timeout, runtime, network }` (all optional), compiled into
 * ToolOverride: memory in bytes, timeout in ms. Whether a tool type exists, and whether the
 * network or runtime is allowed, is for the tool registry and the policy to decide.
 */
export function parseToolOverrides(raw: unknown): Readonly<Record<string, ToolOverride>> {
  if (!isMapping(raw)) throw new InvalidValueError(`${showValue(raw)} is not a mapping of tool type to settings`);
  const overrides: Record<string, ToolOverride> = {};
  for (const [toolType, settings] of Object.entries(raw)) {
    if (!TOOL_TYPE.test(toolType)) {
      throw new InvalidValueError(`${showValue(toolType)} is not a tool type (lower case letters, digits, _ and -)`, toolType);
    }
    overrides[toolType] = parseToolOverride(toolType, settings);
  }
  return overrides;
}

function parseToolOverride(toolType: string, raw: unknown): ToolOverride {
  if (raw === null || raw === undefined) return {};
  if (!isMapping(raw)) {
    throw new InvalidValueError(`${showValue(raw)} is not a mapping with keys ${FIELDS.join(', ')}`, toolType);
  }
  for (const key of Object.keys(raw)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new InvalidValueError(`unknown setting (expected one of ${FIELDS.join(', ')})`, `${toolType}.${key}`);
    }
  }
  const field = <T>(key: (typeof FIELDS)[number], parse: (value: unknown) => T): T | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof InvalidValueError) throw new InvalidValueError(error.reason, `${toolType}.${key}`);
      throw error;
    }
  };

  const limits: { -readonly [K in keyof ResourceLimits]?: ResourceLimits[K] } = {};
  const cpus = field('cpus', parseCpus);
  const memoryBytes = field('memory', (value) => parseByteSize(value, { min: MIN_MEMORY_BYTES }));
  const pids = field('pids', (value) => parseInteger(value, { min: 1 }));
  if (cpus !== undefined) limits.cpus = cpus;
  if (memoryBytes !== undefined) limits.memoryBytes = memoryBytes;
  if (pids !== undefined) limits.pids = pids;

  const override: { -readonly [K in keyof ToolOverride]: ToolOverride[K] } = {};
  const image = field('image', (value) => parseText(value, { pattern: /^[^\s-]\S*$/, what: 'an image reference' }));
  const timeoutMs = field('timeout', (value) => parseDuration(value));
  const runtime = field('runtime', (value) => parseText(value, { pattern: DOCKER_NAME, what: 'a runtime name' }));
  const network = field('network', (value) => parseText(value, { pattern: DOCKER_NAME, what: 'a Docker network name' }));
  if (image !== undefined) override.image = image;
  if (Object.keys(limits).length > 0) override.limits = limits;
  if (timeoutMs !== undefined) override.timeoutMs = timeoutMs;
  if (runtime !== undefined) override.runtime = runtime;
  if (network !== undefined) override.network = network;
  return override;
}
