/** The shortest heartbeat interval a worker uses, whatever it is told: a floor against beat floods. */
export const MIN_HEARTBEAT_INTERVAL_MS = 100;
/** The longest heartbeat interval a worker uses, whatever it is configured or told. */
export const MAX_HEARTBEAT_INTERVAL_MS = 5 * 60_000;

/**
 * The interval a worker heartbeats at: the smaller of its own `--heartbeat-interval` and the
 * orchestrator's `RegisterResponse.heartbeat_interval_ms`, clamped to 100 ms .. 5 min.
 *
 * Trust: the orchestrator is trusted to say how often it needs a beat (it alone knows its
 * `--worker-timeout`, and beating too slowly gets this worker dropped and its tasks lost), so a
 * smaller interval from it wins. It is not trusted to make the worker beat without bound: the
 * floor keeps a hostile or broken orchestrator from turning the worker into a request flood, and
 * it can never make the worker beat more rarely than the worker's own setting. 0 (an older
 * orchestrator that sends none) means "use your own".
 */
export function heartbeatInterval(ownMs: number, orchestratorMs: number): number {
  const own = Number.isFinite(ownMs) && ownMs > 0 ? ownMs : MAX_HEARTBEAT_INTERVAL_MS;
  const chosen = Number.isFinite(orchestratorMs) && orchestratorMs > 0 ? Math.min(own, orchestratorMs) : own;
  return Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.max(MIN_HEARTBEAT_INTERVAL_MS, Math.floor(chosen)));
}
