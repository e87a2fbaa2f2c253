import { WorkerError } from '../errors/index.js';
import { GUARD_ESCAPE_EXIT } from './confine.js';
import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { FILE_TOOL_DEFAULTS } from './builtin-tool-limits.js';
import { expectParams } from './expect-params.js';
import { resolveFileTarget } from './resolve-file-target.js';
import { resolveToolSettings } from './resolve-tool-settings.js';

const TYPE = 'file_write';

/** file_write {path, content}: `baaaht-fs write /workspace/PATH`, the content on stdin. */
export function createFileWriteTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, FILE_TOOL_DEFAULTS);
  return {
    type: TYPE,
    description: 'Write a file in the workspace (created with its parent directories, or replaced).',
    mount: 'write',
    ...settings,
    escapeExitCode: GUARD_ESCAPE_EXIT,
    buildInvocation(params) {
      const { path, content } = expectParams(params, 'fileWrite', TYPE);
      const target = resolveFileTarget(path);
      const stdin: unknown = content;
      if (!(stdin instanceof Uint8Array)) {
        throw new WorkerError('INVALID_PARAMS', 'content must be bytes');
      }
      return { argv: ['baaaht-fs', 'write', target], stdin };
    },
  };
}
