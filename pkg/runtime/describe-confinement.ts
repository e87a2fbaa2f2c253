import type { ContainerSpec } from './container-spec.js';

/** Version of the lockdown every task container gets (see buildCreateOptions). */
export const CONFINEMENT_PROFILE = 'baaaht/v1';

/**
 * A short, stable description of how a task's container is confined, reported on the result:
 * `baaaht/v1 runtime=runsc network=none workspace=ro user=1000:1000`. The fixed part
 * (read-only root, no capabilities, no-new-privileges, Docker's default seccomp profile, init,
 * limits) is what `baaaht/v1` names; the rest varies per task. Pure.
 */
export function describeConfinement(spec: ContainerSpec, defaultRuntime: string): string {
  const workspace = spec.mount === undefined ? 'none' : spec.mount.writable ? 'rw' : 'ro';
  return [
    CONFINEMENT_PROFILE,
    `runtime=${spec.runtime ?? defaultRuntime}`,
    `network=${spec.network}`,
    `workspace=${workspace}`,
    `user=${spec.user}`,
  ].join(' ');
}
