/**
 * The pause before reconnect attempt `attempt` (1-based) of one outage: exponential from `baseMs`,
 * capped at `capMs`, with "equal jitter" (half fixed, half random) so that many workers that lost
 * the same orchestrator do not come back in lockstep. `random` returns [0, 1).
 */
export function reconnectDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(capMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
