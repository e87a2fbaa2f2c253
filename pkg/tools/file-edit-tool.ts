import type { BuiltinToolOptions } from './builtin-tool-options.js';
import { DEFAULT_MAX_WRITE_BYTES, GUARD_ESCAPE_EXIT, GUARD_WRITE_LIMIT_EXIT, WRITE_LIMIT_ENV } from './confine.js';
import type { ToolSpec } from './tool-spec.js';
import { FILE_TOOL_DEFAULTS } from './builtin-tool-limits.js';
import { expectParams } from './expect-params.js';
import { resolveFileTarget } from './resolve-file-target.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { validateTextField } from './validate-text-field.js';

const TYPE = 'file_edit';

/**
 * file_edit {path, search, replace}: `baaaht-fs edit /workspace/PATH`, every literal occurrence of
 * search replaced. Stdin is `<search length in UTF-8 bytes>\n<search><replace>`.
 */
export function createFileEditTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, FILE_TOOL_DEFAULTS);
  const maxWriteBytes = options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES;
  return {
    type: TYPE,
    description: 'Replace every literal occurrence of a text in a file in the workspace.',
    mount: 'write',
    ...settings,
    escapeExitCode: GUARD_ESCAPE_EXIT,
    writeLimitExitCode: GUARD_WRITE_LIMIT_EXIT,
    buildInvocation(params) {
      const { path, search, replace } = expectParams(params, 'fileEdit', TYPE);
      const target = resolveFileTarget(path);
      const searchBytes = Buffer.from(validateTextField(search, 'search', { nonEmpty: true }), 'utf8');
      const replaceBytes = Buffer.from(validateTextField(replace, 'replace'), 'utf8');
      const header = Buffer.from(`${searchBytes.length}\n`, 'ascii');
      return {
        argv: ['baaaht-fs', 'edit', target],
        stdin: Buffer.concat([header, searchBytes, replaceBytes]),
        // The edited file is only known in the container: the guard refuses to leave it larger.
        env: { [WRITE_LIMIT_ENV]: String(maxWriteBytes) },
      };
    },
  };
}
