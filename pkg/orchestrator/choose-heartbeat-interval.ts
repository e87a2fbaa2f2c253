/** The shortest interval the orchestrator asks for (workers floor theirs at the same value). */
export const MIN_ASKED_HEARTBEAT_INTERVAL_MS = 100;
/** The longest interval the orchestrator asks for (workers cap theirs at the same value). */
export const MAX_ASKED_HEARTBEAT_INTERVAL_MS = 5 * 60_000;

/**
 * The heartbeat interval the orchestrator tells workers in RegisterResponse: at most a third of
 * its `--worker-timeout`, so that a worker may miss two beats (a slow network, a busy host) before
 * it is dropped and its leases are taken away; `requestedMs` (a test knob) may only ask for less.
 * Clamped to 100 ms .. 5 min, the range a worker accepts.
 *
 * Trust: only this orchestrator's own configuration decides; nothing a worker sends does.
 */
export function chooseHeartbeatInterval(workerTimeoutMs: number, requestedMs?: number): number {
  const fits = Math.floor(workerTimeoutMs / 3);
  const wanted = requestedMs !== undefined && requestedMs > 0 ? Math.min(requestedMs, fits) : fits;
  return Math.min(MAX_ASKED_HEARTBEAT_INTERVAL_MS, Math.max(MIN_ASKED_HEARTBEAT_INTERVAL_MS, Math.floor(wanted)));
}
