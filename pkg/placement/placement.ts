import { DEFAULT_GROUP } from './label-rules.js';

/** Where a task may run: RunTaskRequest's worker, group and labels. */
export interface Placement {
  /** A worker's agent id or name; empty for any. */
  readonly worker: string;
  /** A group; empty for any. */
  readonly group: string;
  /** Every one must be on the worker with this value. */
  readonly labels: Readonly<Record<string, string>>;
}

export const ANY_PLACEMENT: Placement = { worker: '', group: '', labels: {} };

/** What placement looks at on a worker. */
export interface PlacedWorker {
  readonly agentId: string;
  readonly name: string;
  readonly group: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The group a registration means: empty is the default group. */
export function effectiveGroup(group: string): string {
  return group === '' ? DEFAULT_GROUP : group;
}

/** Whether `worker` is one the placement allows (tools, slots and health aside). */
export function matchesPlacement(worker: PlacedWorker, placement: Placement): boolean {
  if (placement.worker !== '' && worker.agentId !== placement.worker && worker.name !== placement.worker) return false;
  if (placement.group !== '' && effectiveGroup(worker.group) !== placement.group) return false;
  for (const [key, value] of Object.entries(placement.labels)) {
    if (!Object.hasOwn(worker.labels, key) || worker.labels[key] !== value) return false;
  }
  return true;
}

/** `worker=w1 group=gpu labels=zone=a,disk=ssd`, for messages; `any worker` when unconstrained. */
export function describePlacement(placement: Placement): string {
  const parts: string[] = [];
  if (placement.worker !== '') parts.push(`worker ${JSON.stringify(placement.worker)}`);
  if (placement.group !== '') parts.push(`group ${JSON.stringify(placement.group)}`);
  const labels = Object.entries(placement.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) parts.push(`labels ${labels.join(',')}`);
  return parts.length === 0 ? 'any worker' : parts.join(', ');
}

/** Whether the placement names anything at all. */
export function isUnconstrained(placement: Placement): boolean {
  return placement.worker === '' && placement.group === '' && Object.keys(placement.labels).length === 0;
}
