export { WORKSPACE_DIR, type MountUse, type ResourceLimits, type TaskParams, type ToolInvocation, type ToolSpec } from './tool-spec.js';
export type { BuiltinToolOptions, ToolOverride } from './builtin-tool-options.js';
export {
  FETCH_URL_TIMEOUT_MS,
  FILE_TOOL_LIMITS,
  FILE_TOOL_TIMEOUT_MS,
  SEARCH_TOOL_LIMITS,
  SEARCH_TOOL_TIMEOUT_MS,
  WEB_SEARCH_TIMEOUT_MS,
  WEB_TOOL_LIMITS,
} from './builtin-tool-limits.js';
export { MAX_PATH_BYTES, resolveWorkspacePath } from './resolve-workspace-path.js';
export { MAX_PATTERN_BYTES, validateGrepPattern } from './validate-grep-pattern.js';
export { MAX_URL_BYTES, parseHttpUrl } from './parse-http-url.js';
export { resolveToolSettings, type ToolSettings } from './resolve-tool-settings.js';
export { createFileReadTool } from './file-read-tool.js';
export { createFileWriteTool } from './file-write-tool.js';
export { createFileEditTool } from './file-edit-tool.js';
export { createGrepTool } from './grep-tool.js';
export { createFindTool } from './find-tool.js';
export { createListTool } from './list-tool.js';
export { createFetchUrlTool } from './fetch-url-tool.js';
export { createWebSearchTool, MAX_QUERY_CHARS } from './web-search-tool.js';
export { createBuiltinTools } from './create-builtin-tools.js';
export { ToolRegistry, type RegisterOptions } from './tool-registry.js';
export { createBuiltinToolRegistry } from './create-builtin-tool-registry.js';
export { validateToolSpec } from './validate-tool-spec.js';
export { defineCustomTool, type CustomToolDefinition, type CustomToolValues } from './define-custom-tool.js';
export {
  CONFIGURED_PARAM_NAME,
  DEFAULT_MAX_STRING_LENGTH,
  MIN_CONTAINER_MEMORY_BYTES,
  type ConfiguredBooleanParam,
  type ConfiguredIntegerParam,
  type ConfiguredParam,
  type ConfiguredStringParam,
  type ConfiguredToolDefinition,
} from './configured-tool-definition.js';
export { createConfiguredTool, type ConfiguredToolOptions } from './create-configured-tool.js';
export { compileConfiguredTool, type CompiledConfiguredTool } from './compile-configured-tool.js';
export { ToolDefinitionError, isToolDefinitionError } from './tool-definition-error.js';
export {
  BUILTIN_TOOL_PARAMS_CASES,
  BUILTIN_TOOL_TYPES,
  PARAMS_MESSAGE_NAMES,
  TOOL_TYPE_PATTERN,
  isBuiltinToolType,
  paramsCaseForTool,
  toolTypeForParamsCase,
  type BuiltinParamsCase,
  type BuiltinToolType,
  type ParamsCase,
  type ParamsValue,
} from '../protocol/tool-params.js';
export { PARAM_KEYS, paramsFromStrings, type ParamValue } from '../protocol/params-from-strings.js';
export { confine, GUARD_ESCAPE_EXIT } from './confine.js';
