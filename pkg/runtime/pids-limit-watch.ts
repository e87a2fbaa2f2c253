import { readFileSync } from 'node:fs';

/** Where a container's pids cgroup can be, by cgroup version and driver. */
export function pidsEventsPaths(containerId: string, root = '/sys/fs/cgroup'): string[] {
  return [
    `${root}/pids/docker/${containerId}/pids.events`,
    `${root}/pids/system.slice/docker-${containerId}.scope/pids.events`,
    `${root}/docker/${containerId}/pids.events`,
    `${root}/system.slice/docker-${containerId}.scope/pids.events`,
  ];
}

/** The `max` counter of a pids.events file: how many forks the PID limit refused. */
export function parsePidsEvents(text: string): number {
  const match = /^max\s+(\d+)\s*$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * Watches a running container's pids cgroup for refused forks. The kernel sends no notification
 * for cgroup v1 pids.events and the cgroup goes with the container, so the file is read while it
 * runs: every `fastMs` during its first `fastForMs` (a recursive shell fork bomb that hits the
 * limit can be gone within about 50 ms), then every `intervalMs`. The read is synchronous (a
 * small sysfs file, microseconds): through the thread pool it could wait behind the engine's
 * streams for longer than such a task lives. A task that hits the limit and exits between two
 * reads is not seen. Where the cgroup files are not visible (the worker in a container
 * of its own, another layout), it reports nothing.
 */
export function watchPidsLimit(
  containerId: string,
  intervalMs = 250,
  root?: string,
  { fastMs = 5, fastForMs = 1_000 }: { fastMs?: number; fastForMs?: number } = {},
): { hit(): boolean; stop(): void } {
  const candidates = pidsEventsPaths(containerId, root);
  const startedAt = Date.now();
  let path: string | undefined;
  let hit = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const read = (): void => {
    for (const candidate of path ? [path] : candidates) {
      try {
        const text = readFileSync(candidate, 'utf8');
        path = candidate;
        if (parsePidsEvents(text) > 0) hit = true;
        return;
      } catch {
        // not this layout, or the container is gone
      }
    }
  };
  const tick = (): void => {
    read();
    if (stopped || hit) return;
    timer = setTimeout(tick, Date.now() - startedAt < fastForMs ? fastMs : intervalMs);
    timer.unref();
  };
  tick();
  return {
    hit: () => hit,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
