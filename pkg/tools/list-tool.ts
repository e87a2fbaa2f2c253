import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { FILE_TOOL_DEFAULTS } from './builtin-tool-limits.js';
import { confine } from './confine.js';
import { expectParams } from './expect-params.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { resolveWorkspacePath } from './resolve-workspace-path.js';

const TYPE = 'list';

/** list {path}: `ls -la --time-style=long-iso -- /workspace/PATH`, under the `baaaht-fs confine` guard. */
export function createListTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, FILE_TOOL_DEFAULTS);
  return {
    type: TYPE,
    description: 'List a directory in the workspace (ls -la).',
    mount: 'read',
    ...settings,
    buildInvocation(params) {
      const { path } = expectParams(params, 'list', TYPE);
      const target = resolveWorkspacePath(path);
      return { argv: [...confine(target), 'ls', '-la', '--time-style=long-iso', '--', target] };
    },
  };
}
