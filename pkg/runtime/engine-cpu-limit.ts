import { isGvisorRuntime } from './engine-pids-limit.js';

/**
 * CPU a gVisor sandbox needs for itself, on top of the tool's share: the Sentry does the kernel's
 * work in user space, in the container's own cgroup. Measured here for `baaaht-fs read` under
 * runsc (ptrace): 18–23 s at a 0.1 CPU quota, 1.7 s at 0.2, 1.0 s at 0.3, 0.55 s at 0.5 and more
 * (0.54 s under runc at 0.1).
 */
export const GVISOR_CPUS_BASE = 0.4;

/**
 * The engine's CPU quota (NanoCpus) for a tool's limit of `cpus`. Under runc it is that limit.
 * Under gVisor (`runsc`, `runsc-*`) it is the limit plus GVISOR_CPUS_BASE, the same idea as
 * enginePidsLimit: the tool's own processes get what the limit says once the sandbox has its
 * part. Pure: the create options and the isolation check both use it.
 */
export function engineNanoCpus(cpus: number, runtime: string | undefined): number {
  return Math.round((isGvisorRuntime(runtime) ? cpus + GVISOR_CPUS_BASE : cpus) * 1e9);
}
