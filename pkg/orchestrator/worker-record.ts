import type { Capabilities, OrchestratorMessage, WorkerInfo } from '../gen/agent/v1/agent.js';
import { createAsyncQueue, type AsyncQueue } from '../async/async-queue.js';
import type { WorkerCandidate } from './select-worker.js';
import type { LeaseHolder } from './task-store.js';

/** What a worker says about itself when it registers. */
export interface WorkerRegistration {
  readonly name: string;
  readonly hostname: string;
  readonly pid: number;
  readonly version: string;
  /** Never empty: a worker that gives none is in the default group. */
  readonly group: string;
  /** Its own labels and the platform labels it filled in. */
  readonly labels: Readonly<Record<string, string>>;
  readonly capabilities: Capabilities;
  /** New each start of the worker process. */
  readonly bootId: string;
  /** The protocol version of this registration (negotiateProtocolVersion, pkg/protocol). */
  readonly protocolVersion: number;
  /** The largest message it accepts (RegisterRequest.max_receive_message_bytes; 0 read as 4 MiB): no larger assignment is sent. */
  readonly maxReceiveMessageBytes: number;
}

/** What a worker's heartbeats say about its state. */
export interface WorkerCondition {
  /** Finishing its tasks and taking no new ones. */
  readonly draining: boolean;
  /** False while its Docker engine does not answer. */
  readonly healthy: boolean;
  readonly healthDetail: string;
  /** Its work dir's disk is low: placed elsewhere when another worker is free. */
  readonly diskLow: boolean;
}

/** A registered worker, as the orchestrator tracks it (in memory only: workers register again after a restart). */
export interface WorkerRecord {
  readonly agentId: string;
  /**
   * SHA-256 of the resume token Register returned with agentId (agent-credential.ts): a call
   * about agentId must present that token. Never shown (toWorkerInfo leaves it out).
   */
  readonly tokenHash: string;
  /**
   * The agent id this worker proved to be (by its token) when it registered anew after an
   * orchestrator restart: it may claim the restored leases stored under that id.
   */
  readonly provenFormerId: string | undefined;
  /** Replaced when the worker resumes its registration. */
  registration: WorkerRegistration;
  condition: WorkerCondition;
  /**
   * It reported a result with cause ENGINE_UNAVAILABLE and no heartbeat since has said healthy:
   * it gets no new tasks (they would fail the same way at once).
   */
  engineDownReported: boolean;
  lastHeartbeatMs: number;
  /** Whether a heartbeat came since it registered (the first one reports the leases it holds). */
  heartbeatSeen: boolean;
  /** Task ids the worker last reported in a heartbeat. */
  reportedTaskIds: readonly string[];
  /** Tasks whose lease it holds. */
  readonly tasks: Set<string>;
  /**
   * Commands for the worker. The queue belongs to the worker, not to one stream: when a new
   * TaskStream replaces an older one (or the worker reconnects), what was not sent yet goes out on it.
   */
  readonly commands: AsyncQueue<OrchestratorMessage>;
  /** The open TaskStream, if any: aborting it ends that stream. */
  stream: AbortController | undefined;
}

export function createWorkerRecord(
  identity: { agentId: string; tokenHash: string; provenFormerId: string | undefined },
  registration: WorkerRegistration,
  nowMs: number,
): WorkerRecord {
  return {
    ...identity,
    registration,
    // Healthy until a heartbeat says otherwise.
    condition: { draining: false, healthy: true, healthDetail: '', diskLow: false },
    engineDownReported: false,
    lastHeartbeatMs: nowMs,
    heartbeatSeen: false,
    reportedTaskIds: [],
    tasks: new Set(),
    commands: createAsyncQueue<OrchestratorMessage>(),
    stream: undefined,
  };
}

/** Who holds a lease given to this worker, as the store keeps it (its agent id and token hash). */
export function leaseHolderOf(worker: WorkerRecord): LeaseHolder {
  return { agentId: worker.agentId, tokenHash: worker.tokenHash };
}

/** Whether the dispatcher may send it new tasks (slots and connection aside). */
export function isAccepting(condition: WorkerCondition): boolean {
  return !condition.draining && condition.healthy;
}

/**
 * Dispatch's view. `mayClaim`: leases restored without a holder name this worker (after an
 * orchestrator restart) and it has not heartbeated yet: it gets nothing new until its first
 * heartbeat has claimed them, so that it is not handed more tasks than it has slots.
 */
export function toWorkerCandidate(worker: WorkerRecord, mayClaim = false): WorkerCandidate {
  return {
    agentId: worker.agentId,
    name: worker.registration.name,
    group: worker.registration.group,
    labels: worker.registration.labels,
    toolTypes: worker.registration.capabilities.toolTypes,
    maxConcurrentTasks: worker.registration.capabilities.maxConcurrentTasks,
    inFlight: worker.tasks.size,
    connected: worker.stream !== undefined,
    accepting: isAccepting(worker.condition) && !worker.engineDownReported && !(mayClaim && !worker.heartbeatSeen),
    diskLow: worker.condition.diskLow,
  };
}

/** ListWorkers' view. activeTaskIds are the tasks whose lease it holds. */
export function toWorkerInfo(worker: WorkerRecord): WorkerInfo {
  // Field by field: the token hash and the proven former id stay inside the orchestrator.
  const r = worker.registration;
  return {
    agentId: worker.agentId,
    name: r.name,
    hostname: r.hostname,
    version: r.version,
    group: r.group,
    capabilities: r.capabilities,
    activeTaskIds: [...worker.tasks],
    lastHeartbeatMs: worker.lastHeartbeatMs,
    labels: { ...r.labels },
    connected: worker.stream !== undefined,
    draining: worker.condition.draining,
    healthy: worker.condition.healthy,
    healthDetail: worker.condition.healthDetail,
  };
}
