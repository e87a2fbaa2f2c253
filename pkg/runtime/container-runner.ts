import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { WorkerError } from '../errors/index.js';
import { buildCreateOptions } from './build-create-options.js';
import { checkIsolation, type InspectedConfinement } from './check-isolation.js';
import { CappedSink } from './capped-sink.js';
import { describeConfinement } from './describe-confinement.js';
import type { ContainerSpec } from './container-spec.js';
import { toEngineError } from './engine-error.js';
import { OutputQueue } from './output-queue.js';
import { OutputRelay } from './output-relay.js';
import { watchPidsLimit } from './pids-limit-watch.js';
import { ContainerEndWatch } from './container-end-watch.js';
import { judgeContainerEnd } from './judge-container-end.js';
import { untilSettled } from './until-settled.js';
import { LEASH_LABEL, LEASH_PROTOCOL, leashHeader } from './leash.js';
import { graceOf, type RunEvent } from './run-event.js';

type OutputEvent = Extract<RunEvent, { type: 'output' }>;

export interface ContainerRunnerOptions {
  readonly docker: Dockerode;
  /** Upper bound for each short engine call (create, start, stop, remove, inspect). */
  readonly engineCallTimeoutMs: number;
  /** Runtime reported when the spec names none. */
  readonly defaultRuntime: string;
  /** Output queued for a slow consumer before the container's stream is paused. */
  readonly outputHighWaterBytes?: number;
  /** How long to wait for the rest of the output once the process has exited. */
  readonly drainTimeoutMs?: number;
  readonly onCleanupError?: (error: unknown, containerId: string) => void;
  /** How often a running container's pids cgroup is read for refused forks. */
  readonly pidsPollMs?: number;
  /**
   * `inline` (the default): a run ends once its container is removed. `background`: a run whose
   * process exited by itself yields its exit at once and its container is removed afterwards
   * (`settled()` waits for those removals; the reaper covers a crash meanwhile). A run that was
   * stopped (cancel, timeout, shutdown) or failed always removes its container before it ends.
   */
  readonly removal?: 'inline' | 'background';
}

export interface RunOptions {
  /** Aborting stops the container: SIGTERM and a grace period when the reason carries `graceMs`, else SIGKILL. */
  readonly signal: AbortSignal;
  /** Cap on each of stdout and stderr; output past it is drained and dropped. */
  readonly outputCapBytes: number;
}

/** What the task executor needs of a runner (the real one, or a fake in unit tests). */
export interface RunsContainers {
  run(spec: ContainerSpec, options: RunOptions): AsyncIterable<RunEvent>;
}

/**
 * A container created with its spec's confinement, attached (stdout and stderr demuxed into
 * relays, stdin hijacked when the spec has stdin), started, checked against the spec, and
 * waited on. `follow` runs it to its end; `discard` removes it unused.
 */
export interface StartedContainer {
  readonly id: string;
  readonly name: string;
  readonly container: Dockerode.Container;
  /** When it was started (epoch ms, the worker's clock): its engine events are followed from then. */
  readonly startedAtMs: number;
  /** Its command runs under the dead-man's switch (see leash.ts): its stdin is framed and stays open. */
  readonly leashed: boolean;
  readonly stream: Duplex;
  readonly stdout: OutputRelay;
  readonly stderr: OutputRelay;
  /** The exit code, from the wait() begun right after start; rejects with a typed engine error. */
  readonly exit: Promise<number>;
  /** Whether the process has exited or its output stream has ended (a warm container then cannot take a task). */
  readonly done: () => boolean;
  /** Called once the output stream has ended (at once if it already has). */
  readonly onStreamEnd: (listener: () => void) => void;
  /**
   * The PID-limit watch begun the moment the container started (a cold run's: a fork bomb can
   * hit the limit and die within a few hundred milliseconds, so the check after start must not
   * delay the first read). A warm container has none: its task's watch begins at the claim.
   */
  readonly pids?: ReturnType<typeof watchPidsLimit>;
}

/** One run's output: capped stdout and stderr into a back-pressured queue. */
class RunOutput {
  readonly queue: OutputQueue<OutputEvent>;
  readonly stdout: CappedSink;
  readonly stderr: CappedSink;

  constructor(highWater: number, capBytes: number, producer: { pause(): void; resume(): void }) {
    const queue = new OutputQueue<OutputEvent>(highWater, producer);
    this.queue = queue;
    this.stdout = new CappedSink(capBytes, (data) => queue.push({ type: 'output', stream: 'stdout', data }));
    this.stderr = new CappedSink(capBytes, (data) => queue.push({ type: 'output', stream: 'stderr', data }));
  }

  /** Takes the started container's output from now on (and what it kept before). */
  connect(started: StartedContainer): void {
    started.stdout.connect((data) => this.stdout.write(data));
    started.stderr.connect((data) => this.stderr.write(data));
    started.onStreamEnd(() => this.queue.end());
  }
}

/**
 * Runs one command in a fresh container and removes it afterwards, whatever happens.
 * The order is the race-free one: create → attach → start → wait → (stdin) → end of output → remove.
 * `start` and `follow` are the two halves, used apart by the warm pool (start ahead of the task,
 * follow once it arrives).
 */
export class ContainerRunner implements RunsContainers {
  private readonly highWater: number;
  private readonly drainTimeoutMs: number;
  private readonly removals = new Set<Promise<void>>();
  /** Whether each image carries the leash (its label), read once per image. */
  private readonly leashes = new Map<string, Promise<boolean>>();

  constructor(private readonly options: ContainerRunnerOptions) {
    this.highWater = options.outputHighWaterBytes ?? 1024 * 1024;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
  }

  get defaultRuntime(): string {
    return this.options.defaultRuntime;
  }

  async *run(spec: ContainerSpec, options: RunOptions): AsyncGenerator<RunEvent> {
    options.signal.throwIfAborted();
    const name = `baaaht-${randomBytes(8).toString('hex')}`;
    let stream: Duplex | undefined;
    const output = new RunOutput(this.highWater, options.outputCapBytes, {
      pause: () => stream?.pause(),
      resume: () => stream?.resume(),
    });
    // Output is taken from before start: nothing the process writes early is kept back.
    const started = await this.start(spec, name, (attached) => output.connect(attached), { watchPids: true });
    stream = started.stream;
    yield* this.follow(started, spec, options, spec.stdin === undefined ? [] : [spec.stdin], output);
  }

  /**
   * Creates, attaches, starts and checks a container, and begins waiting for its exit. Anything
   * that fails after create removes it again (a cleanup error is reported, the first error thrown).
   */
  async start(
    spec: ContainerSpec,
    name: string,
    onAttached?: (started: StartedContainer) => void,
    { watchPids = false }: { watchPids?: boolean } = {},
  ): Promise<StartedContainer> {
    const { docker } = this.options;
    const leashed = await this.hasLeash(spec.image);
    const container = await this.engineCall('create', spec.image, (abortSignal) =>
      docker.createContainer({ ...buildCreateOptions(spec, name, { leashed }), abortSignal }),
    );
    let stream: Duplex | undefined;
    let pids: ReturnType<typeof watchPidsLimit> | undefined;
    try {
      stream = (await this.engineCall('attach', spec.image, (abortSignal) =>
        // The signal given to attach stays on the request for the stream's whole life: bound the
        // handshake only, or every output stream would be cut (silently) at the call timeout.
        untilSettled(abortSignal, (handshake) =>
          container.attach({
            stream: true,
            stdout: true,
            stderr: true,
            stdin: spec.stdin !== undefined || leashed,
            hijack: spec.stdin !== undefined || leashed,
            abortSignal: handshake,
          }),
        ),
      )) as Duplex;
      const attached = stream;
      const stdout = new OutputRelay();
      const stderr = new OutputRelay();
      docker.modem.demuxStream(attached, stdout, stderr);
      let streamEnded = false;
      let exited = false;
      const endListeners: Array<() => void> = [];
      const ended = (): void => {
        if (streamEnded) return;
        streamEnded = true;
        for (const listener of endListeners.splice(0)) listener();
      };
      attached.once('end', ended);
      attached.once('close', ended);
      attached.once('error', ended);
      let exit: Promise<number> = Promise.resolve(0);
      const startedAtMs = Date.now();
      const started: StartedContainer = {
        id: container.id,
        name,
        container,
        startedAtMs,
        leashed,
        stream: attached,
        stdout,
        stderr,
        get exit() {
          return exit;
        },
        done: () => exited || streamEnded,
        onStreamEnd: (listener) => (streamEnded ? listener() : void endListeners.push(listener)),
        get pids() {
          return pids;
        },
      };
      onAttached?.(started);

      await this.engineCall('start', spec.image, (abortSignal) => container.start({ abortSignal }));
      if (watchPids) pids = watchPidsLimit(container.id, this.options.pidsPollMs);
      exit = container.wait().then(
        (result: { StatusCode: number }) => result.StatusCode,
        (error: unknown) => {
          throw toEngineError('wait', spec.image, error);
        },
      );
      exit.then(
        () => (exited = true),
        () => (exited = true),
      );
      // Before the task counts as running: confirm the engine confined it as asked.
      const confinement = await this.engineCall('inspect', spec.image, (abortSignal) => container.inspect({ abortSignal }));
      const problems = checkIsolation(spec, confinement as unknown as InspectedConfinement, this.options.defaultRuntime);
      if (problems.length > 0) {
        throw new WorkerError('ISOLATION_CHECK_FAILED', `the container was not confined as required: ${problems.join('; ')}`);
      }
      return started;
    } catch (error) {
      pids?.stop();
      stream?.destroy();
      await this.remove(container);
      throw error;
    }
  }

  /**
   * Runs a started container to its end: reports it started, writes `input` to its stdin and
   * closes it, yields its output and its exit (with OOM and PID-limit findings), stops it when
   * the signal aborts, and removes it (see `removal`). `spec` is the task's: it names the
   * runtime, the profile and the limits reported.
   */
  async *follow(
    started: StartedContainer,
    spec: ContainerSpec,
    { signal, outputCapBytes }: RunOptions,
    input: readonly Uint8Array[],
    connected?: RunOutput,
    /** The container was started ahead of its task (the warm pool): the profile says `start=warm`. */
    warm = false,
  ): AsyncGenerator<RunEvent> {
    const { container, stream } = started;
    const output = connected ?? new RunOutput(this.highWater, outputCapBytes, stream);
    if (!connected) output.connect(started);
    let drainTimer: NodeJS.Timeout | undefined;
    let pids: ReturnType<typeof watchPidsLimit> | undefined;
    let exitedByItself = false;
    // What the engine says about the container's end: whether it ended by itself (see judgeContainerEnd).
    const endWatch = new ContainerEndWatch(this.options.docker, container.id, started.startedAtMs, this.options.engineCallTimeoutMs);
    // A wait in flight is not failed when the engine dies (its response has begun, and dockerode
    // does not end it on abort): waiting races this instead.
    const engineLost = new AbortController();
    const engineGone = new Promise<never>((_, reject) => {
      engineLost.signal.addEventListener('abort', () => reject(engineLost.signal.reason as Error), { once: true });
    });
    engineGone.catch(() => undefined);
    const onAbort = (): void => {
      // If the engine cannot stop it, it cannot tell us about it either: give up on the run.
      this.stop(container, graceOf(signal.reason), (error) => {
        output.queue.fail(error);
        stream.destroy();
        engineLost.abort(error);
      });
    };
    try {
      pids = started.pids ?? watchPidsLimit(container.id, this.options.pidsPollMs);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      if (started.leashed) {
        // The stdin's length first; then the stream stays open: its end is the worker's death.
        stream.write(leashHeader(input.reduce((total, chunk) => total + chunk.length, 0)));
        for (const chunk of input) stream.write(chunk);
      } else if (input.length > 0) {
        for (const chunk of input) stream.write(chunk);
        stream.end();
      }
      yield {
        type: 'started',
        containerId: container.id,
        runtime: spec.runtime ?? this.options.defaultRuntime,
        profile: `${describeConfinement(spec, this.options.defaultRuntime)}${warm ? ' start=warm' : ''}`,
      };

      const exit = started.exit.then(
        (code) => {
          // The process is gone; give the stream a moment to deliver what is in flight.
          drainTimer = setTimeout(() => {
            stream.destroy();
            output.queue.end();
          }, this.drainTimeoutMs);
          return code;
        },
        (error: unknown) => {
          output.queue.fail(error);
          throw error;
        },
      );
      exit.catch(() => undefined);

      yield* output.queue;
      const exitCode = await Promise.race([exit, engineGone]);
      const oomKilled = exitCode === 137 ? await this.wasOomKilled(container) : false;
      const engineEnded = signal.aborted ? undefined : judgeContainerEnd(await endWatch.facts(exitCode));
      exitedByItself = !signal.aborted && engineEnded === undefined;
      yield {
        type: 'exit',
        exitCode,
        oomKilled,
        ...(engineEnded ? { engineEnded } : {}),
        pidsLimitHit: pids.hit(),
        stdoutTruncated: output.stdout.truncated,
        stderrTruncated: output.stderr.truncated,
      };
    } finally {
      endWatch.close();
      signal.removeEventListener('abort', onAbort);
      if (drainTimer) clearTimeout(drainTimer);
      pids?.stop();
      stream.destroy();
      if (exitedByItself && !signal.aborted && this.options.removal === 'background') void this.removeLater(container);
      else await this.remove(container);
    }
  }

  /** Removes a started container that will not run (a warm one no task took), in the background. */
  discard(started: StartedContainer): Promise<void> {
    started.stream.destroy();
    return this.removeLater(started.container);
  }

  /** Settles once every removal begun in the background has ended. */
  async settled(): Promise<void> {
    while (this.removals.size > 0) await Promise.allSettled([...this.removals]);
  }

  /** Removals still in flight in the background. */
  get pendingRemovals(): number {
    return this.removals.size;
  }

  private removeLater(container: Dockerode.Container): Promise<void> {
    const removal = this.remove(container).finally(() => this.removals.delete(removal));
    this.removals.add(removal);
    return removal;
  }

  private stop(container: Dockerode.Container, graceMs: number, engineGone: (error: unknown) => void): void {
    const abortSignal = AbortSignal.timeout(this.options.engineCallTimeoutMs + graceMs);
    const stopping =
      graceMs > 0
        ? container.stop({ t: Math.max(1, Math.ceil(graceMs / 1000)), abortSignal })
        : container.kill({ signal: 'SIGKILL', abortSignal });
    stopping.catch((error: unknown) => {
      // 304 / 409: already stopped or not running, which is what we wanted.
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 304 || status === 409 || status === 404) return;
      const mapped = toEngineError('stop', '', error);
      if (mapped.code === 'ENGINE_UNAVAILABLE') engineGone(mapped);
      this.options.onCleanupError?.(error, container.id);
    });
  }

  private async remove(container: Dockerode.Container): Promise<void> {
    try {
      await container.remove({ force: true, v: true, abortSignal: AbortSignal.timeout(this.options.engineCallTimeoutMs) });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404) this.options.onCleanupError?.(error, container.id);
    }
  }

  /** Whether the image carries the leash; an image that cannot be read is asked again next time. */
  private hasLeash(image: string): Promise<boolean> {
    let known = this.leashes.get(image);
    if (known === undefined) {
      known = this.options.docker
        .getImage(image)
        .inspect({ abortSignal: AbortSignal.timeout(this.options.engineCallTimeoutMs) } as object)
        .then((info: { Config?: { Labels?: Record<string, string> | null } }) => info.Config?.Labels?.[LEASH_LABEL] === LEASH_PROTOCOL);
      known.catch(() => this.leashes.delete(image));
      this.leashes.set(image, known);
    }
    return known.catch(() => false);
  }

  private async wasOomKilled(container: Dockerode.Container): Promise<boolean> {
    try {
      const info = await container.inspect({ abortSignal: AbortSignal.timeout(this.options.engineCallTimeoutMs) });
      return info.State.OOMKilled === true;
    } catch {
      return false;
    }
  }

  private async engineCall<T>(what: string, image: string, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await call(AbortSignal.timeout(this.options.engineCallTimeoutMs));
    } catch (error) {
      throw toEngineError(what, image, error);
    }
  }
}
