import type Dockerode from 'dockerode';
import type { ContainerEndFacts } from './judge-container-end.js';
import { untilSettled } from './until-settled.js';

/** How long after the exit the `die` event is waited for (it is normally seen before wait() answers). */
const DIE_EVENT_WAIT_MS = 2_000;

/**
 * Follows one container's `kill` and `die` events from the engine (from `sinceMs` on, so that
 * nothing between its start and this subscription is missed), to tell afterwards whether it
 * ended by itself (see judgeContainerEnd). A subscription the engine refuses gives no facts:
 * the exit is then taken as the tool's own.
 */
export class ContainerEndWatch {
  private readonly killSignals: string[] = [];
  private dieExitCode: number | undefined;
  private eventsLost = false;
  private stream: NodeJS.ReadableStream | undefined;
  private closed = false;
  private readonly settledListeners: Array<() => void> = [];
  private readonly ready: Promise<void>;

  constructor(docker: Dockerode, containerId: string, sinceMs: number, engineCallTimeoutMs: number) {
    // The timeout bounds the subscription's handshake, not the stream after it.
    this.ready = untilSettled(AbortSignal.timeout(engineCallTimeoutMs), (abortSignal) =>
      docker.getEvents({
        since: Math.floor(sinceMs / 1000) - 2,
        filters: { type: ['container'], container: [containerId], event: ['kill', 'die'] },
        abortSignal,
      } as Dockerode.GetEventsOptions),
    ).then(
        (stream) => this.follow(stream),
        () => undefined,
      );
  }

  /** The facts once the `die` event is seen, the stream is lost, or a short wait has passed. */
  async facts(exitCode: number): Promise<ContainerEndFacts> {
    await this.ready;
    if (this.stream !== undefined && this.dieExitCode === undefined && !this.eventsLost) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DIE_EVENT_WAIT_MS);
        this.settledListeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return { exitCode, killSignals: [...this.killSignals], dieExitCode: this.dieExitCode, eventsLost: this.eventsLost };
  }

  close(): void {
    this.closed = true;
    this.ready.then(() => (this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.(), () => undefined);
    this.settle();
  }

  private follow(stream: NodeJS.ReadableStream): void {
    this.stream = stream;
    if (this.closed) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      return;
    }
    let pending = '';
    stream.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        this.take(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    });
    const lost = (): void => {
      if (this.closed) return;
      this.eventsLost = true;
      this.settle();
    };
    stream.on('end', lost);
    stream.on('close', lost);
    stream.on('error', lost);
  }

  private take(line: string): void {
    if (line.trim() === '') return;
    let event: { Action?: string; Actor?: { Attributes?: Record<string, string> } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    const attributes = event.Actor?.Attributes ?? {};
    if (event.Action === 'kill') this.killSignals.push(attributes['signal'] ?? '?');
    if (event.Action === 'die') {
      const code = Number(attributes['exitCode']);
      if (Number.isInteger(code)) this.dieExitCode = code;
      this.settle();
    }
  }

  private settle(): void {
    for (const listener of this.settledListeners.splice(0)) listener();
  }
}
