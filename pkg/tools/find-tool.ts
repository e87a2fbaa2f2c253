import { WorkerError } from '../errors/index.js';
import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { SEARCH_TOOL_DEFAULTS } from './builtin-tool-limits.js';
import { confine, GUARD_ESCAPE_EXIT } from './confine.js';
import { expectParams } from './expect-params.js';
import { quoteValue } from '../errors/quote-value.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { resolveWorkspacePath } from './resolve-workspace-path.js';
import { validateTextField } from './validate-text-field.js';

const TYPE = 'find';
const FIND_TYPES: readonly string[] = ['f', 'd', 'l'];
const MAX_NAME_BYTES = 1024;

/**
 * find {path, name, type}: `find /workspace/PATH [-name NAME] [-type f|d|l]`, under the
 * `baaaht-fs confine` guard (no symbolic link in any component of PATH). The path always starts
 * with `/`, so find never reads it as an expression; NAME is the argument of -name.
 */
export function createFindTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, SEARCH_TOOL_DEFAULTS);
  return {
    type: TYPE,
    description: 'Find files in the workspace by base-name glob (-name) and type (f, d or l).',
    mount: 'read',
    ...settings,
    escapeExitCode: GUARD_ESCAPE_EXIT,
    buildInvocation(params) {
      const { path, name, type } = expectParams(params, 'find', TYPE);
      const target = resolveWorkspacePath(path);
      const argv = [...confine(target), 'find', target];
      if (validateTextField(name, 'name', { noControl: true, maxBytes: MAX_NAME_BYTES }) !== '') {
        if (name.includes('/')) {
          throw new WorkerError('INVALID_PARAMS', 'name must not contain "/" (find -name matches base names only)');
        }
        argv.push('-name', name);
      }
      if (validateTextField(type, 'type') !== '') {
        if (!FIND_TYPES.includes(type)) {
          throw new WorkerError('INVALID_PARAMS', `type must be f, d or l, got ${quoteValue(type)}`);
        }
        argv.push('-type', type);
      }
      return { argv };
    },
  };
}
