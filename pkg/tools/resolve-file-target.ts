import { WorkerError } from '../errors/index.js';
import { WORKSPACE_DIR } from './tool-spec.js';
import { resolveWorkspacePath } from './resolve-workspace-path.js';

/** Like resolveWorkspacePath, but the path must name something inside /workspace, not /workspace itself. */
export function resolveFileTarget(path: string, field = 'path'): string {
  const resolved = resolveWorkspacePath(path, field);
  if (resolved === WORKSPACE_DIR) {
    throw new WorkerError('INVALID_PARAMS', `${field} must name a file inside ${WORKSPACE_DIR}, not ${WORKSPACE_DIR} itself`);
  }
  return resolved;
}
