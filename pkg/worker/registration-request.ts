import type { WorkerConfig } from '../config/worker-config.js';
import type { RegisterRequest } from '../gen/agent/v1/agent.js';
import { platformLabels } from '../placement/platform-labels.js';
import { PROTOCOL_VERSION } from '../protocol/index.js';
import { advertisedReceiveLimit } from './message-limits.js';

/** Who the worker is, as it tells the orchestrator at every Register. */
export interface WorkerIdentity {
  readonly config: Pick<WorkerConfig, 'name' | 'group' | 'labels' | 'maxConcurrentTasks' | 'maxRecvMsgSize'>;
  readonly hostname: string;
  readonly version: string;
  /** New each start of the worker process. */
  readonly bootId: string;
  /** Tool types it really serves (their images are present) and the engine's runtimes; also as platform labels. */
  readonly toolTypes: readonly string[];
  readonly runtimes: readonly string[];
  /** Labels beyond config.labels (library callers); the platform labels are added to both. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The RegisterRequest of a worker: resuming `resume` (the agent id an earlier registration gave,
 * with its token) when there is one, else registering anew. It speaks PROTOCOL_VERSION and
 * advertises its receive limit.
 */
export function registrationRequest(identity: WorkerIdentity, resume?: { readonly agentId: string; readonly token: string }): RegisterRequest {
  const { config, toolTypes, runtimes } = identity;
  return {
    name: config.name,
    hostname: identity.hostname,
    pid: process.pid,
    version: identity.version,
    group: config.group,
    labels: { ...config.labels, ...identity.labels, ...platformLabels({ os: process.platform, arch: process.arch, runtimes, tools: toolTypes }) },
    capabilities: { toolTypes: [...toolTypes], maxConcurrentTasks: config.maxConcurrentTasks, runtimes: [...runtimes] },
    agentId: resume?.agentId ?? '',
    resumeToken: resume?.token ?? '',
    bootId: identity.bootId,
    protocolVersion: PROTOCOL_VERSION,
    maxReceiveMessageBytes: advertisedReceiveLimit(config.maxRecvMsgSize),
  };
}
