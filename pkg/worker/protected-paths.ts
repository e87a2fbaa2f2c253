import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { WorkerConfig } from '../config/worker-config.js';

/** The orchestrator's data when it shares the host: its default data dir (under ~/.local/share/baaaht) and the system place for it. */
export function orchestratorDataPaths(home: string = homedir()): string[] {
  return [join(home, '.local', 'share', 'baaaht'), '/var/lib/baaaht'];
}

/** The Docker socket as configured, at its usual places, and as it really is (e.g. /var/run/docker.sock → /run/docker.sock). */
export function dockerSocketPaths(dockerSocket: string): string[] {
  return withRealPaths([dockerSocket, '/var/run/docker.sock', '/run/docker.sock']);
}

/**
 * Every path a task may never mount, nor any directory that contains one or lies inside one:
 * the Docker socket (as configured and as it really is), the worker's own state (work dir with
 * its audit log, spooled results and task records; the mount pin dir), its config, policy and
 * TLS files, the orchestrator's data when it shares the host, and --never-mount. Each is listed
 * as given and by its real path, since mounts are judged by real path.
 */
export function protectedPathsFor(
  config: Pick<WorkerConfig, 'dockerSocket' | 'workDir' | 'auditLog' | 'mountPinDir' | 'tlsFiles' | 'neverMount'> & { readonly configFile?: string },
  policyFile?: string,
): string[] {
  return withRealPaths([
    ...dockerSocketPaths(config.dockerSocket),
    config.workDir,
    config.auditLog,
    config.mountPinDir,
    ...config.tlsFiles,
    ...(config.configFile ? [config.configFile] : []),
    ...(policyFile ? [policyFile] : []),
    ...orchestratorDataPaths(),
    ...config.neverMount,
  ]);
}

/** Each path as given and, when it exists, by its real path (mounts are judged by real path). */
function withRealPaths(paths: readonly string[]): string[] {
  const all = new Set(paths);
  for (const path of paths) {
    try {
      all.add(realpathSync(path));
    } catch {
      // not there (yet): the path as given still counts
    }
  }
  return [...all];
}
