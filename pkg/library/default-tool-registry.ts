import { homedir, hostname } from 'node:os';
import { loadWorkerConfig } from '../config/index.js';
import type { WorkerConfig } from '../config/worker-config.js';
import type { LogOptions } from '../log/log-options.js';
import type { BuiltinToolOptions } from '../tools/builtin-tool-options.js';
import { BUILTIN_TOOL_TYPES } from '../protocol/index.js';
import { createBuiltinToolRegistry, type ToolRegistry, type ToolSpec } from '../tools/index.js';

/**
 * The library's convenience registry: the built-in tools with default settings, plus what a
 * program registers with registerToolSpec(). Programs that need isolation (tests, several
 * workers in one process) pass their own ToolRegistry to bootstrap() and createExecutor().
 */
let shared: ToolRegistry | undefined;

export function defaultToolRegistry(): ToolRegistry {
  shared ??= createBuiltinToolRegistry(defaultWorkerConfig().tools);
  return shared;
}

export function allToolSpecs(): ToolSpec[] {
  return defaultToolRegistry().all();
}

export function getToolSpec(type: string): ToolSpec | undefined {
  return defaultToolRegistry().get(type);
}

export function registerToolSpec(spec: ToolSpec, options: { replace?: boolean } = {}): void {
  defaultToolRegistry().register(spec, options);
}

/** Settings a program changes; `tools` and `log` are merged field by field onto the defaults. */
export type WorkerConfigOverrides = Partial<Omit<WorkerConfig, 'tools' | 'log'>> & {
  readonly tools?: Partial<BuiltinToolOptions>;
  readonly log?: Partial<LogOptions>;
};

/** The worker's defaults, with `overrides` on top; no flags, environment or config file are read. */
export function defaultWorkerConfig(overrides: WorkerConfigOverrides = {}): WorkerConfig {
  const base = loadWorkerConfig({ argv: [], env: {}, homeDir: '/nonexistent', hostname: hostname() || homedir() });
  return {
    ...base,
    ...overrides,
    tools: { ...base.tools, ...overrides.tools },
    log: { ...base.log, ...overrides.log },
  };
}

/**
 * The registry a library call uses: the caller's own when given; else, when the call changes tool
 * settings, the built-in tools made from those settings plus every tool registered with
 * registerToolSpec(); else the default registry.
 */
export function toolRegistryFor(config: WorkerConfig, overrides: WorkerConfigOverrides, explicit?: ToolRegistry): ToolRegistry {
  if (explicit) return explicit;
  if (!overrides.tools) return defaultToolRegistry();
  const registry = createBuiltinToolRegistry(config.tools);
  const builtin: readonly string[] = BUILTIN_TOOL_TYPES;
  for (const spec of defaultToolRegistry().all()) {
    if (!builtin.includes(spec.type)) registry.register(spec);
  }
  return registry;
}
