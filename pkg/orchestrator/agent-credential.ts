import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A worker's resume token: the secret that Register returns to that worker only, and that proves
 * on every later call (and on a resume) that the caller is the worker the agent id was given to.
 * Agent ids are public (ListWorkers shows them); the token is not, and the orchestrator keeps only
 * its SHA-256 (in memory, and with the leases it stores so that a restarted orchestrator can tell
 * the lease holder from another worker).
 */
export interface AgentCredential {
  /** 256 random bits, base64url: given to the worker once, never stored. */
  readonly token: string;
  /** SHA-256 of the token, hex. */
  readonly tokenHash: string;
}

/** Longest token looked at; anything longer is wrong (ours are 43 characters). */
export const MAX_AGENT_TOKEN_LENGTH = 256;

export function mintAgentCredential(): AgentCredential {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashAgentToken(token) };
}

export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Whether `presented` is the token whose hash is `tokenHash`, in constant time (digests of equal
 * length are compared). A missing, empty or oversized token, or an empty hash, never matches.
 */
export function agentTokenMatches(tokenHash: string, presented: string | undefined): boolean {
  if (presented === undefined || presented === '' || presented.length > MAX_AGENT_TOKEN_LENGTH) return false;
  const expected = Buffer.from(tokenHash, 'hex');
  const actual = createHash('sha256').update(presented).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
