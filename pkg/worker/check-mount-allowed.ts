import { dirname, sep } from 'node:path';
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
    if (source === tree || source.startsWith(tree + sep)) deny(`${tree} is never mounted`);
  }
  for (const path of protectedPaths) {
    if (source === path || isAncestor(source, path)) deny(`it contains ${path}, which tasks never mount`);
    if (isAncestor(path, source)) deny(`it is inside ${path}, which tasks never mount`);
  }
}

function isAncestor(dir: string, file: string): boolean {
  for (let parent = dirname(file); ; parent = dirname(parent)) {
    if (parent === dir) return true;
    if (parent === dirname(parent)) return false;
  }
}
