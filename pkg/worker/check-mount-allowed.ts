import { pathContains } from '../mounts/mount-root.js';
import { WorkerError } from '../errors/index.js';

/** Host trees a task can never mount, whatever it asks: the host's root and its kernel/system views. */
const FORBIDDEN_TREES = ['/proc', '/sys', '/dev', '/etc', '/boot', '/var/lib/docker', '/var/lib/containerd'];

/**
 * Refuses (POLICY_DENIED) a mount source that would expose the host or the worker: `/`, anything
 * in the trees above, any directory that contains one of `protectedPaths` (the Docker socket:
 * mounting `/var/run` or `/run` would hand a task the engine; the worker's own state, config,
 * policy and TLS files; the orchestrator's data) and anything inside one of them. `source` must
 * already be a real path.
 */
export function checkMountAllowed(source: string, protectedPaths: readonly string[]): void {
  const deny = (why: string): never => {
    throw new WorkerError('POLICY_DENIED', `mount source ${JSON.stringify(source)} is not allowed: ${why}`);
  };
  if (source === '/' || source === '') deny("it is the host's root");
  for (const tree of FORBIDDEN_TREES) {
    if (pathContains(tree, source)) deny(`${tree} is never mounted`);
  }
  for (const path of protectedPaths) {
    if (pathContains(source, path)) deny(`it contains ${path}, which tasks never mount`);
    if (pathContains(path, source)) deny(`it is inside ${path}, which tasks never mount`);
  }
}
