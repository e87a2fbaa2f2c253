import { randomUUID } from 'node:crypto';
import type { Lease } from '../gen/agent/v1/agent.js';
import { mintAgentCredential } from './agent-credential.js';
import type { BrokerState } from './broker-state.js';
import { heldLostLease, isLeased, type BrokerTask } from './broker-task.js';
import type { DispatchQueue } from './dispatch-queue.js';
import { judgeAgentCall, judgeRegistration, judgeReporter } from './lease-holder-rules.js';
import { judgeListedLease, type ListedLeaseView } from './lease-rules.js';
import type { TaskLifecycle } from './task-lifecycle.js';
import { createWorkerRecord, isAccepting, type WorkerCondition, type WorkerRecord, type WorkerRegistration } from './worker-record.js';

/** What a heartbeat reports. */
export interface HeartbeatReport {
  readonly activeTaskIds: readonly string[];
  /** Leases the worker holds: each renews (and, when in force, claims) one. */
  readonly leases: readonly Lease[];
  readonly condition: WorkerCondition;
}

/** A heartbeat's answer: `known` false for an unknown agent id; `revoked`: the leases it listed that are not its own in force. */
export interface HeartbeatAnswer {
  readonly known: boolean;
  readonly revoked: Lease[];
}

export type RegisterOutcome =
  | { readonly kind: 'registered'; readonly agentId: string; readonly resumed: boolean; readonly resumeToken: string }
  | { readonly kind: 'denied'; readonly message: string };

/**
 * The registered workers: who they are (agent id, resume token), how they are (heartbeats,
 * draining, healthy) and when they leave (unregistered, or silent past the worker timeout: their
 * leases are lost then).
 */
export interface WorkerRegistry {
  /**
   * Resumes `resume.agentId` when it is a registered worker and `resume.token` is its resume
   * token (same id, its leases stay); `denied` (nothing changes) when the token is not; else
   * registers anew with a new agent id and resume token (lease-holder-rules.ts).
   */
  registerWorker(registration: WorkerRegistration, resume: { agentId: string; token: string }): RegisterOutcome;
  /**
   * Whether a call about `agentId` (Heartbeat, Unregister, TaskStream) comes from that worker:
   * `ok` when `token` is its resume token, `unknown` for an id not registered, else `denied`.
   */
  authenticateWorker(agentId: string, token: string | undefined): 'ok' | 'unknown' | 'denied';
  /** Ends the worker's leases at once. False when the agent id is unknown. */
  unregisterWorker(agentId: string, reason: string): boolean;
  /**
   * Renews the worker and the leases it names (claiming restored ones); answers the leases it
   * names that are not its own in force as revoked (lease-rules.ts judgeListedLease). Not known
   * when the agent id is unknown.
   */
  heartbeat(agentId: string, report: HeartbeatReport): HeartbeatAnswer;
  /** Removes the workers whose last heartbeat is older than the worker timeout at `nowMs` (their leases are lost). */
  removeSilent(nowMs: number): void;
}

export function createWorkerRegistry(state: BrokerState, lifecycle: TaskLifecycle, dispatch: DispatchQueue): WorkerRegistry {
  const { logger, now, workerTimeoutMs, workers } = state;
  const nameOf = (worker: WorkerRecord): string => worker.registration.name;

  function remove(worker: WorkerRecord, why: string): void {
    if (workers.get(worker.agentId) !== worker) return;
    workers.delete(worker.agentId);
    worker.commands.clear();
    worker.commands.end();
    worker.stream?.abort();
    worker.stream = undefined;
    logger.info('worker removed', { agentId: worker.agentId, worker: nameOf(worker), bootId: worker.registration.bootId, reason: why, leases: worker.tasks.size });
    // A worker that leaves is often replaced (a restart, a rolling drain): tasks waiting now get
    // up to workerTimeoutMs for a worker that can serve them before they fail NO_WORKER.
    const holdUntil = now() + workerTimeoutMs;
    for (const task of state.queue) task.holdUntilMs = Math.max(task.holdUntilMs, holdUntil);
    for (const taskId of [...worker.tasks]) {
      const task = state.tasks.get(taskId);
      if (task?.worker === worker) lifecycle.loseLease(task, why);
    }
    worker.tasks.clear();
    dispatch.dispatchQueued();
  }

  /**
   * After an orchestrator restart: the first heartbeat of a worker that proved a former agent id
   * lists every lease it still has (running, queued, finished and not acknowledged). Restored
   * leases of that id it does not list are not anywhere (a new boot of the worker, or an
   * assignment that never reached it): they are lost at once instead of after the worker timeout.
   */
  function releaseUnclaimed(worker: WorkerRecord, listed: readonly Lease[]): void {
    const listedIds = new Set(listed.map((lease) => lease.taskId));
    for (const [task, holder] of [...state.orphans]) {
      if (holder?.agentId !== worker.provenFormerId || listedIds.has(task.taskId)) continue;
      lifecycle.loseLease(task, `worker ${nameOf(worker)} came back without it (its first heartbeat after the restart does not list it)`);
    }
  }

  /** A lost lease still running on its worker, its task waiting: leased again to that worker (it adopts the newer epoch). */
  function reassign(task: BrokerTask, worker: WorkerRecord): void {
    if (task.phase !== 'queued') return;
    logger.info('a lost lease still runs on its worker and nothing else runs the task: leased to it again', { taskId: task.taskId, worker: nameOf(worker), leaseEpoch: task.leaseEpoch });
    if (lifecycle.assign(task, worker)) state.queue = state.queue.filter((queued) => queued !== task);
  }

  /** What the orchestrator knows of a lease `worker` lists (the task in memory, else its stored row). */
  function listedLeaseView(task: BrokerTask | undefined, taskId: string, worker: WorkerRecord, active: ReadonlySet<string>): ListedLeaseView | undefined {
    const isWorker = (agentId: string | undefined): boolean => agentId !== undefined && agentId !== '' && (agentId === worker.agentId || agentId === worker.provenFormerId);
    if (task === undefined) {
      const row = state.store.get(taskId);
      if (row?.state !== 'finished') return undefined;
      const deliverer = isWorker(row.holder?.agentId);
      return { leased: false, queued: false, leaseEpoch: row.leaseEpoch, resultEpoch: row.resultEpoch, holder: false, deliverer, running: active.has(taskId) };
    }
    const leased = isLeased(task);
    const reporter = { agentId: worker.agentId, group: worker.registration.group, provenFormerId: worker.provenFormerId };
    const holder = leased
      ? judgeReporter({ holderAgentId: task.worker?.agentId, restoredHolderId: state.orphans.get(task)?.agentId ?? '', group: task.placement.group }, reporter) !== 'not-holder'
      : task.phase === 'queued' && heldLostLease(task, worker);
    return {
      leased,
      queued: task.phase === 'queued',
      leaseEpoch: task.leaseEpoch,
      resultEpoch: task.resultEpoch,
      holder,
      deliverer: isWorker(task.resultFrom),
      running: active.has(taskId),
    };
  }

  return {
    registerWorker(input, resume) {
      const resumeAgentId = resume.agentId;
      const known = resumeAgentId === '' ? undefined : workers.get(resumeAgentId);
      const verdict = judgeRegistration({
        requestedId: resumeAgentId,
        presentedToken: resume.token,
        knownTokenHash: known?.tokenHash,
        restoredTokenHash:
          [...state.orphans.values()].find((holder) => holder !== undefined && holder.agentId === resumeAgentId)?.tokenHash ??
          // The holder of a lost lease, removed meanwhile (paused past its timeout): its result may still count.
          (resumeAgentId === '' ? undefined : [...state.tasks.values()].find((t) => t.lostLease?.holder.agentId === resumeAgentId)?.lostLease?.holder.tokenHash),
      });
      if (verdict.kind === 'deny') {
        logger.warn('a worker tried to resume an agent id without its resume token: refused', {
          agentId: resumeAgentId,
          worker: input.name,
          hostname: input.hostname,
          group: input.group,
        });
        return { kind: 'denied', message: `resuming agent id ${JSON.stringify(resumeAgentId)} needs the resume token Register returned for it` };
      }
      const existing = verdict.kind === 'resume' ? known : undefined;
      const agentId = existing?.agentId ?? randomUUID();
      const name = input.name !== '' ? input.name : input.hostname !== '' ? input.hostname : agentId;
      const registration: WorkerRegistration = { ...input, name };
      const fields = {
        agentId,
        worker: name,
        bootId: registration.bootId,
        hostname: registration.hostname,
        toolTypes: registration.capabilities.toolTypes,
        maxConcurrentTasks: registration.capabilities.maxConcurrentTasks,
      };
      if (existing) {
        const previousBoot = existing.registration.bootId;
        existing.registration = registration;
        existing.lastHeartbeatMs = now();
        logger.info('worker resumed its registration', { ...fields, leases: existing.tasks.size });
        state.observe((o) => o.workerRegistered(existing, true));
        if (previousBoot !== '' && registration.bootId !== '' && previousBoot !== registration.bootId) {
          // Another process under the same id: the tasks of the one before died with it.
          for (const taskId of [...existing.tasks]) {
            const task = state.tasks.get(taskId);
            if (task?.worker === existing) lifecycle.loseLease(task, `worker ${name} restarted (boot ${previousBoot} → ${registration.bootId})`);
          }
        }
        dispatch.dispatchQueued();
        return { kind: 'registered', agentId, resumed: true, resumeToken: resume.token };
      }
      const provenFormerId = verdict.kind === 'new' ? verdict.provenFormerId : undefined;
      const credential = mintAgentCredential();
      workers.set(agentId, createWorkerRecord({ agentId, tokenHash: credential.tokenHash, provenFormerId }, registration, now()));
      logger.info('worker registered', {
        ...fields,
        ...(resumeAgentId !== '' ? { unknownAgentId: resumeAgentId, holderOfRestoredLeases: provenFormerId !== undefined } : {}),
      });
      state.observe((o) => o.workerRegistered({ agentId, registration }, false));
      return { kind: 'registered', agentId, resumed: false, resumeToken: credential.token };
    },

    authenticateWorker(agentId, token) {
      return judgeAgentCall(workers.get(agentId)?.tokenHash, token);
    },

    unregisterWorker(agentId, reason) {
      const worker = workers.get(agentId);
      if (!worker) return false;
      remove(worker, `unregistered${reason === '' ? '' : `: ${reason}`}`);
      state.observe((o) => o.workerRemoved(worker, 'UNREGISTERED'));
      return true;
    },

    heartbeat(agentId, report) {
      const worker = workers.get(agentId);
      if (!worker) return { known: false, revoked: [] };
      worker.lastHeartbeatMs = now();
      worker.reportedTaskIds = [...report.activeTaskIds];
      const first = !worker.heartbeatSeen;
      worker.heartbeatSeen = true;
      const before = worker.condition;
      const after = { ...report.condition };
      worker.condition = after;
      if (before.draining !== after.draining || before.healthy !== after.healthy || before.healthDetail !== after.healthDetail || before.diskLow !== after.diskLow) {
        logger.info('worker condition changed', { agentId, worker: nameOf(worker), ...after });
      }
      const engineBack = worker.engineDownReported && after.healthy;
      if (engineBack) {
        worker.engineDownReported = false;
        logger.info('worker says its engine is back after reporting ENGINE_UNAVAILABLE: it takes tasks again', { agentId, worker: nameOf(worker) });
      }
      if (state.closed) return { known: true, revoked: [] };
      const revoked: Lease[] = [];
      const active = new Set(report.activeTaskIds);
      for (const lease of report.leases) {
        const task = state.tasks.get(lease.taskId);
        const verdict = judgeListedLease(listedLeaseView(task, lease.taskId, worker, active), lease.leaseEpoch);
        if (verdict === 'renew' && task !== undefined && lifecycle.mayReport(task, worker, 'heartbeat')) lifecycle.claim(task, worker);
        else if (verdict === 'reassign' && task !== undefined) reassign(task, worker);
        else if (verdict === 'revoke') revoked.push({ taskId: lease.taskId, leaseEpoch: lease.leaseEpoch });
      }
      if (revoked.length > 0) logger.info('heartbeat lists leases that are not its own in force: revoked', { agentId, worker: nameOf(worker), revoked });
      for (const taskId of report.activeTaskIds) {
        const task = state.tasks.get(taskId);
        if (task?.worker === worker && isLeased(task)) task.leaseDeadlineMs = now() + workerTimeoutMs;
      }
      if (first && worker.provenFormerId !== undefined) releaseUnclaimed(worker, report.leases);
      if (first || engineBack || (!isAccepting(before) && isAccepting(after))) dispatch.dispatchQueued();
      return { known: true, revoked };
    },

    removeSilent(t) {
      for (const worker of [...workers.values()]) {
        if (worker.lastHeartbeatMs < t - workerTimeoutMs) {
          remove(worker, `no heartbeat for more than ${workerTimeoutMs} ms`);
          state.observe((o) => o.workerRemoved(worker, 'HEARTBEAT_TIMEOUT'));
        }
      }
    },
  };
}
