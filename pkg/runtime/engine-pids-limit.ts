/** Host tasks a gVisor sandbox needs for itself (Sentry, gofer, Go runtime threads), measured: 44-52. */
export const GVISOR_PIDS_BASE = 64;
/** Host tasks per process inside a gVisor sandbox on the ptrace platform (a traced stub each, measured: about 9). */
export const GVISOR_PIDS_PER_PROCESS = 10;

/**
 * The engine's PID limit for a tool's limit of `pids` processes. Under runc it is the same
 * number. Under gVisor (runtimes named `runsc` or `runsc-*`) the host's pids cgroup counts the
 * sandbox's own threads and a stub per traced process, so a limit of 10 would not even let the
 * sandbox start: it becomes a base plus a share per process, still bounding a fork bomb to about
 * `pids` processes. Pure: the create options and the isolation check both use it.
 */
export function enginePidsLimit(pids: number, runtime: string | undefined): number {
  return isGvisorRuntime(runtime) ? GVISOR_PIDS_BASE + GVISOR_PIDS_PER_PROCESS * pids : pids;
}

export function isGvisorRuntime(runtime: string | undefined): boolean {
  return runtime !== undefined && /^runsc(-|$)/.test(runtime);
}
