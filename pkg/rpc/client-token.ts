import { createHash } from 'node:crypto';

/**
 * Call metadata that carries a client's token to the orchestrator's TaskService:
 * `authorization: Bearer <token>` (the header gRPC and HTTP tools already know how to hide).
 */
export const CLIENT_TOKEN_METADATA = 'authorization';

const BEARER = /^Bearer[ ]+(\S.*)$/i;

/** The metadata value that presents `token`. */
export function bearerValue(token: string): string {
  return `Bearer ${token}`;
}

/** The token in an `authorization` value, or undefined when it is missing or not `Bearer …`. */
export function tokenFromMetadata(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return BEARER.exec(value)?.[1];
}

/** SHA-256 of a token (its UTF-8 bytes), as lower-case hex: what a client tokens file may hold instead of the token. */
export function hashClientToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
