import { readFile } from 'node:fs/promises';

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
 * runs: every `fastMs` during its first `fastForMs` (a shell that dies on its first refused fork
 * lives a few hundred milliseconds), then every `intervalMs`. A task that hits the limit and exits
 * between two reads is not seen. Where the cgroup files are not visible (the worker in a container
 * of its own, another layout), it reports nothing.
 */
export function watchPidsLimit(
  containerId: string,
  intervalMs = 250,
  root?: string,
  { fastMs = 20, fastForMs = 2_000 }: { fastMs?: number; fastForMs?: number } = {},
): { hit(): boolean; stop(): void } {
  const candidates = pidsEventsPaths(containerId, root);
  const startedAt = Date.now();
  let path: string | undefined;
  let hit = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const read = async (): Promise<void> => {
    for (const candidate of path ? [path] : candidates) {
      try {
        const text = await readFile(candidate, 'utf8');
        path = candidate;
        if (parsePidsEvents(text) > 0) hit = true;
        return;
      } catch {
        // not this layout, or the container is gone
      }
    }
  };
  const tick = async (): Promise<void> => {
    await read();
    if (stopped || hit) return;
    timer = setTimeout(() => void tick(), Date.now() - startedAt < fastForMs ? fastMs : intervalMs);
    timer.unref();
  };
  void tick();
  return {
    hit: () => hit,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
