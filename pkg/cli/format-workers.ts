import type { WorkerInfo } from '../gen/agent/v1/agent.js';

/** What `task workers --json` prints for each worker. */
export interface WorkerJson {
  readonly agentId: string;
  readonly name: string;
  readonly hostname: string;
  readonly version: string;
  readonly toolTypes: readonly string[];
  readonly maxConcurrentTasks: number;
  readonly runtimes: readonly string[];
  readonly activeTaskIds: readonly string[];
  readonly lastHeartbeatMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly connected: boolean;
  readonly draining: boolean;
  readonly healthy: boolean;
  readonly healthDetail: string;
}

export function toWorkerJson(worker: WorkerInfo): WorkerJson {
  return {
    agentId: worker.agentId,
    name: worker.name,
    hostname: worker.hostname,
    version: worker.version,
    toolTypes: worker.capabilities?.toolTypes ?? [],
    maxConcurrentTasks: worker.capabilities?.maxConcurrentTasks ?? 0,
    runtimes: worker.capabilities?.runtimes ?? [],
    activeTaskIds: worker.activeTaskIds,
    lastHeartbeatMs: worker.lastHeartbeatMs,
    labels: worker.labels,
    connected: worker.connected,
    draining: worker.draining,
    healthy: worker.healthy,
    healthDetail: worker.healthDetail,
  };
}

/** ok, draining, unhealthy, or both. */
export function workerStatus(worker: Pick<WorkerInfo, 'draining' | 'healthy'>): string {
  const status = [worker.draining ? 'draining' : '', worker.healthy ? '' : 'unhealthy'].filter((s) => s !== '');
  return status.length === 0 ? 'ok' : status.join(',');
}

/** A plain-text table: NAME, ID, TOOLS, SLOTS, ACTIVE, STATUS, CONNECTED. */
export function formatWorkersTable(workers: readonly WorkerInfo[]): string {
  if (workers.length === 0) return 'no workers registered\n';
  const rows = [
    ['NAME', 'ID', 'TOOLS', 'SLOTS', 'ACTIVE', 'STATUS', 'CONNECTED'],
    ...workers.map((w) => [
      w.name,
      w.agentId,
      (w.capabilities?.toolTypes ?? []).join(',') || '-',
      String(w.capabilities?.maxConcurrentTasks ?? 0),
      String(w.activeTaskIds.length),
      workerStatus(w),
      w.connected ? 'yes' : 'no',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
