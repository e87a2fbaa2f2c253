import type { BuiltinToolOptions } from './builtin-tool-options.js';
import { FILE_TOOL_LIMITS, FILE_TOOL_TIMEOUT_MS } from './builtin-tool-limits.js';
import { buildConfiguredArgv } from './build-configured-argv.js';
import { compileConfiguredTool } from './compile-configured-tool.js';
import { MIN_CONTAINER_MEMORY_BYTES, type ConfiguredToolDefinition } from './configured-tool-definition.js';
import { expectParams } from './expect-params.js';
import type { ResourceLimits, ToolSpec } from './tool-spec.js';
import { ToolDefinitionError } from './tool-definition-error.js';
import { validateToolSpec } from './validate-tool-spec.js';

/** What a configured tool takes from the worker's tool options. */
export interface ConfiguredToolOptions {
  /** Image of a definition that names none (the built-in tools' image). */
  readonly image: string;
  /** `tools.overrides`: applied on top of the definition, as for the built-in tools. */
  readonly overrides?: BuiltinToolOptions['overrides'];
}

/**
 * The ToolSpec of an operator's configured tool. Its tasks carry the `custom` params case (a map
 * of strings); buildInvocation checks them by their declared types and substitutes them into the
 * command (buildConfiguredArgv). Defaults: image `options.image`, network and mount `none`, the
 * file-tool limits (0.1 CPU, 64 MiB, 10 PIDs), 30 s; `options.overrides[name]` wins over the
 * definition. Throws INVALID_PARAMS (a ToolDefinitionError naming the field, or
 * validateToolSpec's) for a definition that cannot be used.
 */
export function createConfiguredTool(definition: ConfiguredToolDefinition, options: ConfiguredToolOptions): ToolSpec {
  const tool = compileConfiguredTool(definition);
  const type = tool.name;
  const overrides = options.overrides ?? {};
  const override = Object.hasOwn(overrides, type) ? overrides[type] : undefined;
  const limits: ResourceLimits = {
    cpus: override?.limits?.cpus ?? definition.limits?.cpus ?? FILE_TOOL_LIMITS.cpus,
    memoryBytes: override?.limits?.memoryBytes ?? definition.limits?.memoryBytes ?? FILE_TOOL_LIMITS.memoryBytes,
    pids: override?.limits?.pids ?? definition.limits?.pids ?? FILE_TOOL_LIMITS.pids,
  };
  if (typeof limits.memoryBytes === 'number' && limits.memoryBytes < MIN_CONTAINER_MEMORY_BYTES) {
    throw new ToolDefinitionError(type, 'limits.memoryBytes', `${limits.memoryBytes} is less than Docker's minimum of ${MIN_CONTAINER_MEMORY_BYTES} bytes (6 MiB)`);
  }
  const runtime = override?.runtime ?? definition.runtime;
  const spec: ToolSpec = {
    type,
    description: definition.description ?? '',
    image: override?.image ?? definition.image ?? options.image,
    network: override?.network ?? definition.network ?? 'none',
    mount: definition.mount ?? 'none',
    limits,
    timeoutMs: override?.timeoutMs ?? definition.timeoutMs ?? FILE_TOOL_TIMEOUT_MS,
    ...(runtime === undefined ? {} : { runtime }),
    custom: true,
    buildInvocation(params, context) {
      const argv = buildConfiguredArgv(tool, expectParams(params, 'custom', type).values);
      // A tool on a network is handed the worker's egress proxy with its task's token (#11: the proxy
      // serves nothing else), where curl and most HTTP clients look for a proxy.
      const proxy = spec.network === 'none' ? undefined : context?.egressProxyUrl;
      return proxy === undefined ? { argv } : { argv, env: { http_proxy: proxy, https_proxy: proxy, HTTP_PROXY: proxy, HTTPS_PROXY: proxy } };
    },
  };
  validateToolSpec(spec);
  return spec;
}
