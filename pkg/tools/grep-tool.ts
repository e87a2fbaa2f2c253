import { WorkerError } from '../errors/index.js';
import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { SEARCH_TOOL_DEFAULTS } from './builtin-tool-limits.js';
import { confine, GUARD_ESCAPE_EXIT } from './confine.js';
import { expectParams } from './expect-params.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { resolveWorkspacePath } from './resolve-workspace-path.js';
import { validateGrepPattern } from './validate-grep-pattern.js';

const TYPE = 'grep';

/**
 * grep {pattern, path, recursive, ignore_case}:
 * `baaaht-fs confine /workspace/PATH grep -P -n [-r] [-i] --color=never -e PATTERN -- /workspace/PATH`
 * (the guard refuses a symbolic link in any component of PATH, and a file with several hard links).
 * The pattern is a Perl-compatible regular expression, checked first (see validateGrepPattern).
 */
export function createGrepTool(options: BuiltinToolOptions): ToolSpec {
  const settings = resolveToolSettings(options, TYPE, SEARCH_TOOL_DEFAULTS);
  return {
    type: TYPE,
    description: 'Search files in the workspace for lines matching a Perl-compatible regular expression.',
    mount: 'read',
    ...settings,
    escapeExitCode: GUARD_ESCAPE_EXIT,
    buildInvocation(params) {
      const { pattern, path, recursive, ignoreCase } = expectParams(params, 'grep', TYPE);
      const checkedPattern = validateGrepPattern(pattern);
      const target = resolveWorkspacePath(path);
      return {
        argv: [
          ...confine(target),
          'grep',
          '-P',
          '-n',
          ...(flag(recursive, 'recursive') ? ['-r'] : []),
          ...(flag(ignoreCase, 'ignore_case') ? ['-i'] : []),
          '--color=never',
          '-e',
          checkedPattern,
          '--',
          target,
        ],
      };
    },
  };
}

function flag(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new WorkerError('INVALID_PARAMS', `${field} must be a boolean`);
  return value;
}
