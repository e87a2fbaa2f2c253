import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { createFetchUrlTool } from './fetch-url-tool.js';
import { createFileEditTool } from './file-edit-tool.js';
import { createFileReadTool } from './file-read-tool.js';
import { createFileWriteTool } from './file-write-tool.js';
import { createFindTool } from './find-tool.js';
import { createGrepTool } from './grep-tool.js';
import { createListTool } from './list-tool.js';
import { createWebSearchTool } from './web-search-tool.js';

/** The eight built-in tool specs, in BUILTIN_TOOL_TYPES order. */
export function createBuiltinTools(options: BuiltinToolOptions): ToolSpec[] {
  return [
    createFileReadTool(options),
    createFileWriteTool(options),
    createFileEditTool(options),
    createGrepTool(options),
    createFindTool(options),
    createListTool(options),
    createFetchUrlTool(options),
    createWebSearchTool(options),
  ];
}
