import { createHash, timingSafeEqual } from 'node:crypto';

/** Call metadata that carries a worker's shared secret to the orchestrator. */
export const WORKER_KEY_METADATA = 'x-baaaht-worker-key';

/** Compares a presented key with the expected one in constant time (via their SHA-256 digests). */
export function workerKeyMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}
