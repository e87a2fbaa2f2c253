/**
 * Runs `call` with a signal that follows `bound` only until the call settles: for requests whose
 * response is a long-lived stream (attach), where a timeout must cover the handshake and not
 * what comes after it.
 */
export async function untilSettled<T>(bound: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const forward = (): void => controller.abort(bound.reason);
  if (bound.aborted) forward();
  else bound.addEventListener('abort', forward, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    bound.removeEventListener('abort', forward);
  }
}
