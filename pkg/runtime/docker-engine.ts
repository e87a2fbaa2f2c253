import Dockerode from 'dockerode';
import { toEngineError } from './engine-error.js';

/** dockerode accepts `abortSignal` on these calls; its type definitions do not say so. */
type SignalledCall<T> = (this: Dockerode, opts: { abortSignal: AbortSignal; filters?: string }) => Promise<T>;

/** The engine-level questions the worker asks besides running containers. */
export class DockerEngine {
  readonly docker: Dockerode;

  constructor(socketPath: string, private readonly callTimeoutMs = 10_000) {
    this.docker = new Dockerode({ socketPath });
  }

  async ping(): Promise<void> {
    try {
      await (this.docker.ping as unknown as SignalledCall<unknown>).call(this.docker, {
        abortSignal: AbortSignal.timeout(this.callTimeoutMs),
      });
    } catch (error) {
      throw toEngineError('ping', '', error);
    }
  }

  /** Runtimes the engine offers and the default one, e.g. `{ default: 'runc', all: ['runc', 'runsc'] }`. */
  async runtimes(): Promise<{ default: string; all: string[] }> {
    try {
      const info = await (
        this.docker.info as unknown as SignalledCall<{ Runtimes?: Record<string, unknown>; DefaultRuntime?: string }>
      ).call(this.docker, { abortSignal: AbortSignal.timeout(this.callTimeoutMs) });
      const all = Object.keys(info.Runtimes ?? {}).sort();
      return { default: info.DefaultRuntime ?? 'runc', all: all.length > 0 ? all : ['runc'] };
    } catch (error) {
      throw toEngineError('info', '', error);
    }
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      const found = await (this.docker.listImages as unknown as SignalledCall<unknown[]>).call(this.docker, {
        abortSignal: AbortSignal.timeout(this.callTimeoutMs),
        filters: JSON.stringify({ reference: [image] }),
      });
      return found.length > 0;
    } catch (error) {
      throw toEngineError('image inspect', image, error);
    }
  }
}
