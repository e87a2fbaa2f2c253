import { homedir, hostname } from 'node:os';
import { loadWorkerConfig } from '../config/index.js';
import type { WorkerConfig } from '../config/worker-config.js';
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

/** The worker's defaults, with `overrides` on top; no flags, environment or config file are read. */
export function defaultWorkerConfig(overrides: Partial<WorkerConfig> = {}): WorkerConfig {
  const base = loadWorkerConfig({ argv: [], env: {}, homeDir: '/nonexistent', hostname: hostname() || homedir() });
  return { ...base, ...overrides };
}
