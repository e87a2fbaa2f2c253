import { connectivityState, type Channel } from '@grpc/grpc-js';

/**
 * Waits until the channel is connected, at most `timeoutMs`, and gives up as soon as `signal`
 * aborts (nice-grpc's waitForChannelReady cannot be aborted). Watches the state in short steps,
 * so no timer outlives the call by more than one step.
 */
export async function waitForReady(channel: Channel, timeoutMs: number, signal: AbortSignal, stepMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    const state = channel.getConnectivityState(true);
    if (state === connectivityState.READY) return;
    if (state === connectivityState.SHUTDOWN) throw new Error('channel is closed');
    const now = Date.now();
    if (now >= deadline) throw new Error(`not connected within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => {
      channel.watchConnectivityState(state, Math.min(deadline, now + stepMs), () => resolve());
    });
  }
}
