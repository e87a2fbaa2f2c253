import { setTimeout as sleep } from 'node:timers/promises';

/** Wakes a waiting heartbeat loop early (a drain started, the engine's health changed). */
export class BeatSignal {
  private wake: (() => void) | undefined;

  ring(): void {
    this.wake?.();
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    const woken = new AbortController();
    this.wake = () => woken.abort();
    await sleep(ms, undefined, { signal: AbortSignal.any([signal, woken.signal]) }).catch(() => undefined);
    this.wake = undefined;
  }
}
