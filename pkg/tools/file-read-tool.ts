import type { BuiltinToolOptions } from './builtin-tool-options.js';
import { GUARD_ESCAPE_EXIT } from './confine.js';
import type { ToolSpec } from './tool-spec.js';
import { FILE_TOOL_DEFAULTS } from './builtin-tool-limits.js';
import { expectParams } from './expect-params.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { resolveFileTarget } from './resolve-file-target.js';

const TYPE = 'file_read';

/**
 * file_read {path}: `baaaht-fs read /workspace/PATH`, which refuses a symbolic link in any component
 * and a file with more than one hard link (PATH_ESCAPE on stderr, exit 3). `path` is required: an
 * empty path (or `.`, `/workspace`) names the workspace itself, never a file, and is refused with
 * INVALID_PARAMS before any container exists.
 */
export function createFileReadTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, FILE_TOOL_DEFAULTS);
  return {
    type: TYPE,
    description: 'Print the contents of a file in the workspace.',
    mount: 'read',
    ...settings,
    escapeExitCode: GUARD_ESCAPE_EXIT,
    buildInvocation(params) {
      const { path } = expectParams(params, 'fileRead', TYPE);
      return { argv: ['baaaht-fs', 'read', resolveFileTarget(path)] };
    },
  };
}
