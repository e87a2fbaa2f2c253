import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { FILE_TOOL_LIMITS, FILE_TOOL_TIMEOUT_MS } from './builtin-tool-limits.js';
import { expectParams } from './expect-params.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { resolveWorkspacePath } from './resolve-workspace-path.js';

const TYPE = 'list';

/** list {path}: `ls -la --time-style=long-iso -- /workspace/PATH`. */
export function createListTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, {
    network: 'none',
    limits: FILE_TOOL_LIMITS,
    timeoutMs: FILE_TOOL_TIMEOUT_MS,
  });
  return {
    type: TYPE,
    description: 'List a directory in the workspace (ls -la).',
    mount: 'read',
    ...settings,
    buildInvocation(params) {
      const { path } = expectParams(params, 'list', TYPE);
      return { argv: ['ls', '-la', '--time-style=long-iso', '--', resolveWorkspacePath(path)] };
    },
  };
}
