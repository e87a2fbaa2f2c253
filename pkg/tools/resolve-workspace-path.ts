import { WorkerError } from '../errors/index.js';
import { WORKSPACE_DIR } from './tool-spec.js';
import { quoteValue } from '../errors/quote-value.js';
import { validateTextField } from './validate-text-field.js';

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

const WORKSPACE_NAME = WORKSPACE_DIR.slice(1);

/**
 * Turns a task's path into a normalized absolute path inside /workspace. Pure: it never looks
 * at a file system (symbolic links are resolved in the container, which sees only the mount).
 *
 * Accepts a path relative to /workspace (`''` and `.` are /workspace itself) or an absolute one
 * inside it. Refuses with PATH_ESCAPE any path that leaves /workspace, even for a moment
 * (`a/../../workspace/b`); with INVALID_PARAMS a NUL byte, control characters, unpaired
 * surrogates, or more than 4096 bytes. The result always starts with `/workspace`, so it can
 * never be taken for a command-line option.
 */
export function resolveWorkspacePath(path: string, field = 'path'): string {
  validateTextField(path, field, { noControl: true, maxBytes: MAX_PATH_BYTES });
  const absolute = path.startsWith('/');
  const segments = absolute ? path.split('/') : [WORKSPACE_NAME, ...path.split('/')];
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (kept.length === 0 && segment !== WORKSPACE_NAME) throw escape(field, path);
    if (segment === '..') {
      if (kept.length <= 1) throw escape(field, path);
      kept.pop();
      continue;
    }
    kept.push(segment);
  }
  if (kept.length === 0) throw escape(field, path);
  return `/${kept.join('/')}`;
}

function escape(field: string, path: string): WorkerError {
  return new WorkerError('PATH_ESCAPE', `${field} ${quoteValue(path)} is outside ${WORKSPACE_DIR}`);
}
