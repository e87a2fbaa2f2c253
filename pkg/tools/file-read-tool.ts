import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { FILE_TOOL_DEFAULTS } from './builtin-tool-limits.js';
import { expectParams } from './expect-params.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { resolveWorkspacePath } from './resolve-workspace-path.js';

const TYPE = 'file_read';

/** file_read {path}: `cat -- /workspace/PATH`. */
export function createFileReadTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, FILE_TOOL_DEFAULTS);
  return {
    type: TYPE,
    description: 'Print the contents of a file in the workspace.',
    mount: 'read',
    ...settings,
    buildInvocation(params) {
      const { path } = expectParams(params, 'fileRead', TYPE);
      return { argv: ['cat', '--', resolveWorkspacePath(path)] };
    },
  };
}
