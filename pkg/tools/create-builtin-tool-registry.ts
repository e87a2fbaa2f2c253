import { WorkerError } from '../errors/index.js';
import type { BuiltinToolOptions } from './builtin-tool-options.js';
import { createBuiltinTools } from './create-builtin-tools.js';
import { createConfiguredTool } from './create-configured-tool.js';
import { quoteValue } from '../errors/quote-value.js';
import { ToolRegistry } from './tool-registry.js';
import { isBuiltinToolType } from '../protocol/tool-params.js';

/**
 * A registry holding the eight built-in tools, overrides applied, then the operator's configured
 * tools (`options.custom`). Throws INVALID_PARAMS when the options make an invalid spec (e.g. an
 * override with a negative limit, an invalid definition) or a configured tool's name is taken by
 * a built-in tool or an earlier configured one.
 */
export function createBuiltinToolRegistry(options: BuiltinToolOptions): ToolRegistry {
  const registry = new ToolRegistry();
  for (const spec of createBuiltinTools(options)) registry.register(spec);
  for (const definition of options.custom ?? []) {
    const spec = createConfiguredTool(definition, options);
    if (registry.get(spec.type) !== undefined) {
      const taken = isBuiltinToolType(spec.type) ? 'is a built-in tool' : 'is defined twice';
      throw new WorkerError('INVALID_PARAMS', `configured tool ${quoteValue(spec.type)} ${taken}; choose another name`);
    }
    registry.register(spec);
  }
  return registry;
}
