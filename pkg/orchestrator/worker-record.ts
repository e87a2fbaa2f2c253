import type { Capabilities, OrchestratorMessage, WorkerInfo } from '../gen/agent/v1/agent.js';
import { createAsyncQueue, type AsyncQueue } from '../async/async-queue.js';
import type { WorkerCandidate } from './select-worker.js';

/** What a worker says about itself when it registers. */
export interface WorkerRegistration {
  readonly name: string;
  readonly hostname: string;
  readonly pid: number;
  readonly version: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly capabilities: Capabilities;
}

/** A registered worker, as the orchestrator tracks it. */
export interface WorkerRecord extends WorkerRegistration {
  readonly agentId: string;
  lastHeartbeatMs: number;
  /** Task ids the worker last reported in a heartbeat. */
  reportedTaskIds: readonly string[];
  /** Tasks assigned to it and not finished. */
  readonly tasks: Set<string>;
  /**
   * Commands for the worker. The queue belongs to the worker, not to one stream: when a new
   * TaskStream replaces an older one, what the old stream had not sent yet goes out on the new one.
   */
  readonly commands: AsyncQueue<OrchestratorMessage>;
  /** The open TaskStream, if any: aborting it ends that stream. */
  stream: AbortController | undefined;
}

export function createWorkerRecord(agentId: string, registration: WorkerRegistration, nowMs: number): WorkerRecord {
  return {
    ...registration,
    agentId,
    lastHeartbeatMs: nowMs,
    reportedTaskIds: [],
    tasks: new Set(),
    commands: createAsyncQueue<OrchestratorMessage>(),
    stream: undefined,
  };
}

export function toWorkerCandidate(worker: WorkerRecord): WorkerCandidate {
  return {
    agentId: worker.agentId,
    name: worker.name,
    toolTypes: worker.capabilities.toolTypes,
    maxConcurrentTasks: worker.capabilities.maxConcurrentTasks,
    inFlight: worker.tasks.size,
    connected: worker.stream !== undefined,
  };
}

/** ListWorkers' view. activeTaskIds are the tasks the orchestrator has assigned to it and not seen finish. */
export function toWorkerInfo(worker: WorkerRecord): WorkerInfo {
  return {
    agentId: worker.agentId,
    name: worker.name,
    hostname: worker.hostname,
    version: worker.version,
    capabilities: worker.capabilities,
    activeTaskIds: [...worker.tasks],
    lastHeartbeatMs: worker.lastHeartbeatMs,
    labels: { ...worker.labels },
    connected: worker.stream !== undefined,
  };
}
