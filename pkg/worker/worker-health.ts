import type { DiskState } from './disk-health.js';

/** What the worker's heartbeat says of its health (HeartbeatRequest.healthy, health_detail, disk_low). */
export interface WorkerHealth {
  readonly healthy: boolean;
  /** Why it is unhealthy, or that its disk is low; empty when all is well. */
  readonly detail: string;
  readonly diskLow: boolean;
}

export interface WorkerHealthFacts {
  readonly engine?: { readonly healthy: boolean; readonly detail: string };
  /** Why the audit log cannot be written (AuditLog.problem); undefined while it can. */
  readonly auditProblem?: string | undefined;
  readonly disk?: DiskState;
}

/**
 * The worker's health from its parts: unhealthy while the engine does not answer, the audit log
 * cannot be written or the work dir is full (the orchestrator places tasks elsewhere); a low
 * disk is healthy, reported with disk_low (a full one is low too).
 */
export function workerHealth({ engine, auditProblem, disk }: WorkerHealthFacts): WorkerHealth {
  const problems = [
    ...(engine && !engine.healthy ? [`Docker engine unavailable: ${engine.detail || 'no answer'}`] : []),
    ...(auditProblem === undefined ? [] : [auditProblem]),
    ...(disk?.level === 'full' ? [disk.detail] : []),
  ];
  const diskLow = disk !== undefined && disk.level !== 'ok';
  const detail = problems.length > 0 ? problems.join('; ') : diskLow ? disk.detail : '';
  return { healthy: problems.length === 0, detail, diskLow };
}
