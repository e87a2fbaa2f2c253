import type { BuiltinToolOptions } from './builtin-tool-options.js';
import { createBuiltinTools } from './create-builtin-tools.js';
import { ToolRegistry } from './tool-registry.js';

/**
 * A registry holding the eight built-in tools, overrides applied. Throws INVALID_PARAMS when the
 * options make an invalid spec (e.g. an override with a negative limit).
 */
export function createBuiltinToolRegistry(options: BuiltinToolOptions): ToolRegistry {
  const registry = new ToolRegistry();
  for (const spec of createBuiltinTools(options)) registry.register(spec);
  return registry;
}
