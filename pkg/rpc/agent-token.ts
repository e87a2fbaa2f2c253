import { Metadata } from 'nice-grpc-common';
import { WORKER_KEY_METADATA } from './worker-key.js';

/**
 * Call metadata that carries a worker's resume token (RegisterResponse.resume_token) on every
 * AgentService call about its agent id after Register: Heartbeat, Unregister and TaskStream.
 * The orchestrator answers a call about a known agent id without it (or with another worker's)
 * with PERMISSION_DENIED.
 */
export const AGENT_TOKEN_METADATA = 'x-baaaht-agent-token';

/**
 * Metadata for a call about the worker's own agent id: its worker key (when it has one) and its
 * resume token. A call's own metadata replaces a client's default metadata in nice-grpc, so the
 * key is repeated here.
 */
export function agentCallMetadata(workerKey: string | undefined, resumeToken: string | undefined): Metadata {
  const metadata = Metadata();
  if (workerKey) metadata.set(WORKER_KEY_METADATA, workerKey);
  if (resumeToken) metadata.set(AGENT_TOKEN_METADATA, resumeToken);
  return metadata;
}
