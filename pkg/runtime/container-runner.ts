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
import { watchPidsLimit } from './pids-limit-watch.js';
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
 * Runs one command in a fresh container and removes it afterwards, whatever happens.
 * The order is the race-free one: create → attach → start → (stdin) → wait → end of output → remove.
 */
export class ContainerRunner implements RunsContainers {
  private readonly highWater: number;
  private readonly drainTimeoutMs: number;

  constructor(private readonly options: ContainerRunnerOptions) {
    this.highWater = options.outputHighWaterBytes ?? 1024 * 1024;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
  }

  async *run(spec: ContainerSpec, { signal, outputCapBytes }: RunOptions): AsyncGenerator<RunEvent> {
    signal.throwIfAborted();
    const { docker } = this.options;
    const name = `baaaht-${randomBytes(8).toString('hex')}`;
    const container = await this.engineCall('create', spec.image, (abortSignal) =>
      docker.createContainer({ ...buildCreateOptions(spec, name), abortSignal }),
    );
    let stream: Duplex | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let pids: ReturnType<typeof watchPidsLimit> | undefined;
    let queue: OutputQueue<OutputEvent> | undefined;
    const onAbort = (): void => {
      // If the engine cannot stop it, it cannot tell us about it either: give up on the run.
      this.stop(container, graceOf(signal.reason), (error) => {
        queue?.fail(error);
        stream?.destroy();
        engineLost.abort(error);
      });
    };
    // A wait in flight is not failed when the engine dies (its response has begun, and dockerode
    // does not end it on abort): waiting races this instead.
    const engineLost = new AbortController();
    const engineGone = new Promise<never>((_, reject) => {
      engineLost.signal.addEventListener('abort', () => reject(engineLost.signal.reason as Error), { once: true });
    });
    engineGone.catch(() => undefined);
    try {
      stream = (await this.engineCall('attach', spec.image, (abortSignal) =>
        container.attach({
          stream: true,
          stdout: true,
          stderr: true,
          stdin: spec.stdin !== undefined,
          hijack: spec.stdin !== undefined,
          abortSignal,
        }),
      )) as Duplex;
      const attached = stream;
      const output = new OutputQueue<OutputEvent>(this.highWater, attached);
      queue = output;
      const stdout = new CappedSink(outputCapBytes, (data) => output.push({ type: 'output', stream: 'stdout', data }));
      const stderr = new CappedSink(outputCapBytes, (data) => output.push({ type: 'output', stream: 'stderr', data }));
      docker.modem.demuxStream(attached, stdout, stderr);
      attached.once('end', () => output.end());
      attached.once('close', () => output.end());
      attached.once('error', () => output.end());

      await this.engineCall('start', spec.image, (abortSignal) => container.start({ abortSignal }));
      pids = watchPidsLimit(container.id, this.options.pidsPollMs);
      // Before the task counts as running: confirm the engine confined it as asked.
      const confinement = await this.engineCall('inspect', spec.image, (abortSignal) => container.inspect({ abortSignal }));
      const problems = checkIsolation(spec, confinement as unknown as InspectedConfinement, this.options.defaultRuntime);
      if (problems.length > 0) {
        throw new WorkerError('ISOLATION_CHECK_FAILED', `the container was not confined as required: ${problems.join('; ')}`);
      }
      yield {
        type: 'started',
        containerId: container.id,
        runtime: spec.runtime ?? this.options.defaultRuntime,
        profile: describeConfinement(spec, this.options.defaultRuntime),
      };

      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      if (spec.stdin !== undefined) {
        attached.write(spec.stdin);
        attached.end();
      }

      const exit = container.wait().then(
        (result: { StatusCode: number }) => {
          // The process is gone; give the stream a moment to deliver what is in flight.
          drainTimer = setTimeout(() => {
            attached.destroy();
            output.end();
          }, this.drainTimeoutMs);
          return result.StatusCode;
        },
        (error: unknown) => {
          const mapped = toEngineError('wait', spec.image, error);
          output.fail(mapped);
          throw mapped;
        },
      );
      exit.catch(() => undefined);

      yield* output;
      const exitCode = await Promise.race([exit, engineGone]);
      const oomKilled = exitCode === 137 ? await this.wasOomKilled(container) : false;
      yield {
        type: 'exit',
        exitCode,
        oomKilled,
        pidsLimitHit: pids.hit(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
      };
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (drainTimer) clearTimeout(drainTimer);
      pids?.stop();
      stream?.destroy();
      await this.remove(container);
    }
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
