import { WorkerError } from '../errors/index.js';
import type { ToolSpec } from './tool-spec.js';
import { quoteValue } from '../errors/quote-value.js';
import { TOOL_TYPE_PATTERN } from '../protocol/tool-params.js';

const MOUNT_USES: readonly unknown[] = ['none', 'read', 'write'];

/**
 * Checks a tool spec before it is registered: type matches TOOL_TYPE_PATTERN, image and network
 * are non-empty, mount is known, limits are positive and finite (memory and pids whole numbers),
 * the timeout positive and finite, runtime non-empty when set. Throws INVALID_PARAMS otherwise.
 */
export function validateToolSpec(spec: ToolSpec): void {
  const { type } = spec;
  if (typeof type !== 'string' || !TOOL_TYPE_PATTERN.test(type)) {
    throw new WorkerError(
      'INVALID_PARAMS',
      `tool type ${quoteValue(type)} must match ${TOOL_TYPE_PATTERN.source}`,
    );
  }
  const fail = (message: string): never => {
    throw new WorkerError('INVALID_PARAMS', `tool ${type}: ${message}`);
  };
  if (typeof spec.description !== 'string') fail('description must be a string');
  if (!isNonEmptyString(spec.image)) fail('image must be a non-empty string');
  if (!isNonEmptyString(spec.network)) fail('network must be a non-empty string');
  if (!MOUNT_USES.includes(spec.mount)) fail(`mount must be none, read or write, got ${quoteValue(spec.mount)}`);
  if (typeof spec.limits !== 'object' || spec.limits === null) fail('limits are missing');
  if (!isPositive(spec.limits.cpus)) fail(`limits.cpus must be positive and finite, got ${String(spec.limits.cpus)}`);
  if (!isPositiveInteger(spec.limits.memoryBytes)) {
    fail(`limits.memoryBytes must be a positive integer, got ${String(spec.limits.memoryBytes)}`);
  }
  if (!isPositiveInteger(spec.limits.pids)) fail(`limits.pids must be a positive integer, got ${String(spec.limits.pids)}`);
  if (!isPositive(spec.timeoutMs)) fail(`timeoutMs must be positive and finite, got ${String(spec.timeoutMs)}`);
  if (spec.runtime !== undefined && !isNonEmptyString(spec.runtime)) fail('runtime must be a non-empty string when set');
  if (typeof spec.buildInvocation !== 'function') fail('buildInvocation must be a function');
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function isPositive(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
