import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientTokenEntry } from '../config/parse-client-tokens.js';
import type { ClientIdentity } from './client-identity.js';

/** The clients of --client-tokens, looked up by the token a call presents. */
export interface ClientTokens {
  /** Whether any token is configured (then every TaskService call needs one). */
  readonly required: boolean;
  /** The identity whose token `presented` is; undefined for a missing or unknown token. */
  identify(presented: string | undefined): ClientIdentity | undefined;
}

/**
 * Only the tokens' SHA-256 digests are held. A presented token is hashed and compared with
 * every entry in constant time (timingSafeEqual on equal-length digests, no early exit), so the
 * time taken says neither whether nor which token matched.
 */
export function createClientTokens(entries: readonly ClientTokenEntry[]): ClientTokens {
  const known = entries.map((entry) => ({
    digest: Buffer.from(entry.tokenSha256, 'hex'),
    identity: { owner: `token:${entry.name}`, role: entry.role } satisfies ClientIdentity,
  }));
  return {
    required: known.length > 0,
    identify(presented) {
      if (presented === undefined) return undefined;
      const digest = createHash('sha256').update(presented, 'utf8').digest();
      let match: ClientIdentity | undefined;
      for (const entry of known) {
        if (timingSafeEqual(entry.digest, digest)) match = entry.identity;
      }
      return match;
    },
  };
}
