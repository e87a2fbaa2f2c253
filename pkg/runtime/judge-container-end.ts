/**
 * Why a container's process ended when the worker did not stop it: by itself (the tool's own exit,
 * whatever its code), or by the engine. Measured on dockerd 20.10 (runc):
 * - dockerd stopping (SIGTERM; no live-restore) stops every running container first: a `kill`
 *   event with `signal=15`, then `die` with `exitCode=143`, and wait() answers 143 while the API
 *   still answers. A tool that kills itself makes no `kill` event: those come only from the engine.
 * - the container's containerd shim killed: `die` says `exitCode=255` while wait() and inspect say
 *   137; a tool killed by SIGKILL from inside says 137 in both.
 * - dockerd going away without a word (its events stream ends) before any `die` was seen.
 * State.Error and OOMKilled stay empty/false in all of these, and the exit code alone is the
 * tool's own in the same cases: it tells nothing.
 */
export interface ContainerEndFacts {
  /** The exit code wait() answered. */
  readonly exitCode: number;
  /** Signals the engine sent the container (its `kill` events), whoever asked for them. */
  readonly killSignals: readonly string[];
  /** The `die` event's `exitCode` attribute; undefined when no `die` was seen. */
  readonly dieExitCode: number | undefined;
  /** The engine's events stream ended or failed before a `die` was seen. */
  readonly eventsLost: boolean;
}

export type EngineEndReason = 'engine-stopped' | 'runtime-lost' | 'engine-gone';

export interface EngineEnding {
  readonly reason: EngineEndReason;
  readonly detail: string;
}

/** The engine ended it (and how), or undefined: it ended by itself. Only for runs the worker did not stop. */
export function judgeContainerEnd(facts: ContainerEndFacts): EngineEnding | undefined {
  if (facts.killSignals.length > 0) {
    return {
      reason: 'engine-stopped',
      detail: `the engine stopped the container (signal ${facts.killSignals.join(', ')}): the daemon shutting down, or a stop from outside the worker`,
    };
  }
  if (facts.dieExitCode !== undefined && facts.dieExitCode !== facts.exitCode) {
    return {
      reason: 'runtime-lost',
      detail: `the engine lost the container's runtime (it reported exit ${facts.dieExitCode}, the wait ${facts.exitCode}): its containerd shim went away`,
    };
  }
  if (facts.dieExitCode === undefined && facts.eventsLost) {
    return { reason: 'engine-gone', detail: "the engine went away as the container ended (its events stream closed before the container's end)" };
  }
  return undefined;
}
