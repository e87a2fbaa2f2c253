import type { WorkerInfo } from '../gen/agent/v1/agent.js';
import { DEFAULT_GROUP, PLATFORM_PREFIX } from '../placement/label-rules.js';

/** What `task workers --json` prints for each worker. */
export interface WorkerJson {
  readonly agentId: string;
  readonly name: string;
  readonly group: string;
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
    group: worker.group,
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

/** The group a worker is in; an older orchestrator reports none, which means the default group. */
export function groupName(worker: Pick<WorkerInfo, 'group'>): string {
  return worker.group === '' ? DEFAULT_GROUP : worker.group;
}

/** The worker's own labels, `k=v,k2=v2` sorted by key, or `-`. */
export function formatOwnLabels(labels: Readonly<Record<string, string>>): string {
  const own = Object.entries(labels)
    .filter(([key]) => !key.startsWith(PLATFORM_PREFIX))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`);
  return own.length === 0 ? '-' : own.join(',');
}

/**
 * The platform labels in short: `os/arch` and the runtimes (`linux/x64 runc,runsc`); the
 * platform.tool.* ones are left out (TOOLS shows them). `-` when there are none.
 */
export function formatPlatform(labels: Readonly<Record<string, string>>): string {
  const os = labels[`${PLATFORM_PREFIX}os`];
  const arch = labels[`${PLATFORM_PREFIX}arch`];
  const runtimePrefix = `${PLATFORM_PREFIX}runtime.`;
  const runtimes = Object.keys(labels)
    .filter((key) => key.startsWith(runtimePrefix) && labels[key] === 'true')
    .map((key) => key.slice(runtimePrefix.length))
    .sort();
  const parts = [os === undefined && arch === undefined ? '' : `${os ?? '?'}/${arch ?? '?'}`, runtimes.join(',')].filter((p) => p !== '');
  return parts.length === 0 ? '-' : parts.join(' ');
}

/** A plain-text table: NAME, GROUP, ID, TOOLS, SLOTS, ACTIVE, STATUS, CONNECTED, PLATFORM, LABELS. */
export function formatWorkersTable(workers: readonly WorkerInfo[]): string {
  if (workers.length === 0) return 'no workers registered\n';
  const rows = [
    ['NAME', 'GROUP', 'ID', 'TOOLS', 'SLOTS', 'ACTIVE', 'STATUS', 'CONNECTED', 'PLATFORM', 'LABELS'],
    ...workers.map((w) => [
      w.name,
      groupName(w),
      w.agentId,
      (w.capabilities?.toolTypes ?? []).join(',') || '-',
      String(w.capabilities?.maxConcurrentTasks ?? 0),
      String(w.activeTaskIds.length),
      workerStatus(w),
      w.connected ? 'yes' : 'no',
      formatPlatform(w.labels),
      formatOwnLabels(w.labels),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
