import { dirname, sep } from 'node:path';
import { WorkerError } from '../errors/index.js';

/** Host trees a task can never mount, whatever it asks: the host's root and its kernel/system views. */
const FORBIDDEN_TREES = ['/proc', '/sys', '/dev', '/etc', '/boot', '/var/lib/docker', '/var/lib/containerd'];

/**
 * Refuses (POLICY_DENIED) a mount source that would expose the host: `/`, anything in the trees
 * above, and any directory that contains one of `protectedFiles` (the Docker socket: mounting
 * `/var/run` or `/run` would hand a task the engine). `source` must already be a real path.
 */
export function checkMountAllowed(source: string, protectedFiles: readonly string[]): void {
  const deny = (why: string): never => {
    throw new WorkerError('POLICY_DENIED', `mount source ${JSON.stringify(source)} is not allowed: ${why}`);
  };
  if (source === '/' || source === '') deny("it is the host's root");
  for (const tree of FORBIDDEN_TREES) {
    if (source === tree || source.startsWith(tree + sep)) deny(`${tree} is never mounted`);
  }
  for (const file of protectedFiles) {
    if (isAncestor(source, file)) deny(`it contains ${file}`);
  }
}

function isAncestor(dir: string, file: string): boolean {
  for (let parent = dirname(file); ; parent = dirname(parent)) {
    if (parent === dir) return true;
    if (parent === dirname(parent)) return false;
  }
}
