import { WorkerError } from '../errors/index.js';
import { DEFAULT_MAX_WRITE_BYTES, GUARD_ESCAPE_EXIT, GUARD_WRITE_LIMIT_EXIT, WRITE_LIMIT_ENV } from './confine.js';
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
  const maxWriteBytes = options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES;
  return {
    type: TYPE,
    description: 'Write a file in the workspace (created with its parent directories, or replaced).',
    mount: 'write',
    ...settings,
    escapeExitCode: GUARD_ESCAPE_EXIT,
    writeLimitExitCode: GUARD_WRITE_LIMIT_EXIT,
    buildInvocation(params) {
      const { path, content } = expectParams(params, 'fileWrite', TYPE);
      const target = resolveFileTarget(path);
      const stdin: unknown = content;
      if (!(stdin instanceof Uint8Array)) {
        throw new WorkerError('INVALID_PARAMS', 'content must be bytes');
      }
      if (stdin.length > maxWriteBytes) {
        throw new WorkerError('WRITE_LIMIT', `${TYPE} content is ${stdin.length} bytes; a file may hold at most ${maxWriteBytes} (--max-write-bytes): nothing was written`);
      }
      // The guard checks the cap too, before it opens the file.
      return { argv: ['baaaht-fs', 'write', target], stdin, env: { [WRITE_LIMIT_ENV]: String(maxWriteBytes) } };
    },
  };
}
