import type { BuiltinToolOptions } from './builtin-tool-options.js';
import { GUARD_ESCAPE_EXIT } from './confine.js';
import type { ToolSpec } from './tool-spec.js';
import { FILE_TOOL_DEFAULTS } from './builtin-tool-limits.js';
import { expectParams } from './expect-params.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { resolveWorkspacePath } from './resolve-workspace-path.js';

const TYPE = 'list';

/**
 * list {path}: `baaaht-fs list /workspace/PATH`: `ls -la --time-style=long-iso` lines, sorted by name,
 * from lstat alone (coreutils' ls uses statx, which the gVisor runtime here refuses).
 */
export function createListTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, FILE_TOOL_DEFAULTS);
  return {
    type: TYPE,
    description: 'List a directory in the workspace (ls -la).',
    mount: 'read',
    ...settings,
    escapeExitCode: GUARD_ESCAPE_EXIT,
    buildInvocation(params) {
      const { path } = expectParams(params, 'list', TYPE);
      const target = resolveWorkspacePath(path);
      return { argv: ['baaaht-fs', 'list', target] };
    },
  };
}
