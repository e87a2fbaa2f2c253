import { WorkerError } from '../errors/index.js';
import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { FILE_TOOL_LIMITS, FILE_TOOL_TIMEOUT_MS } from './builtin-tool-limits.js';
import { expectParams } from './expect-params.js';
import { resolveFileTarget } from './resolve-file-target.js';
import { resolveToolSettings } from './resolve-tool-settings.js';

const TYPE = 'file_write';

/** file_write {path, content}: `baaaht-fs write /workspace/PATH`, the content on stdin. */
export function createFileWriteTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, {
    network: 'none',
    limits: FILE_TOOL_LIMITS,
    timeoutMs: FILE_TOOL_TIMEOUT_MS,
  });
  return {
    type: TYPE,
    description: 'Write a file in the workspace (created with its parent directories, or replaced).',
    mount: 'write',
    ...settings,
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
