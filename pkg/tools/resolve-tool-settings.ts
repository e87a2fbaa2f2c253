import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ResourceLimits } from './tool-spec.js';

/** The parts of a built-in tool spec an operator may override in config. */
export interface ToolSettings {
  readonly image: string;
  readonly network: string;
  readonly limits: ResourceLimits;
  readonly timeoutMs: number;
  readonly runtime?: string;
}

/**
 * A built-in tool's settings: its defaults (image: `options.image`), with whatever
 * `options.overrides[type]` sets on top. Limits are overridden one field at a time.
 * The result is validated when the spec is registered.
 */
export function resolveToolSettings(
  options: BuiltinToolOptions,
  type: string,
  defaults: Omit<ToolSettings, 'image'>,
): ToolSettings {
  const override = Object.hasOwn(options.overrides, type) ? options.overrides[type] : undefined;
  const limits: ResourceLimits = {
    cpus: override?.limits?.cpus ?? defaults.limits.cpus,
    memoryBytes: override?.limits?.memoryBytes ?? defaults.limits.memoryBytes,
    pids: override?.limits?.pids ?? defaults.limits.pids,
  };
  const runtime = override?.runtime ?? defaults.runtime;
  return {
    image: override?.image ?? options.image,
    network: override?.network ?? defaults.network,
    limits,
    timeoutMs: override?.timeoutMs ?? defaults.timeoutMs,
    ...(runtime === undefined ? {} : { runtime }),
  };
}
