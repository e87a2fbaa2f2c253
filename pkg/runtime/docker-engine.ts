import Dockerode from 'dockerode';
import { WorkerError } from '../errors/index.js';
import { LABELS, MANAGED_BY } from './container-labels.js';
import { checkInternalNetwork, ICC_OPTION, type InternalNetwork, type NetworkInfo } from './check-internal-network.js';
import { toEngineError } from './engine-error.js';
import { engineRuntimesFrom, type EngineRuntimes, type InfoRuntimes } from './engine-runtimes.js';

export type { InternalNetwork } from './check-internal-network.js';

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

  /** Runtimes the engine offers, its default, and which have no network (see EngineRuntimes). */
  async runtimes(): Promise<EngineRuntimes> {
    try {
      const info = await (this.docker.info as unknown as SignalledCall<InfoRuntimes>).call(this.docker, {
        abortSignal: AbortSignal.timeout(this.callTimeoutMs),
      });
      return engineRuntimesFrom(info);
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

  /**
   * The internal network `name`, created (bridge driver, `Internal: true`, inter-container traffic
   * off, labelled as ours) when missing. A network of that name that is not internal, lets its
   * containers reach each other, or has no IPv4 gateway, is refused (INTERNAL): its containers
   * could reach more than the egress proxy (see checkInternalNetwork); one of ours that is unused
   * and only lacks the inter-container setting is removed and created anew.
   */
  async ensureInternalNetwork(name: string, purpose: string): Promise<InternalNetwork> {
    let info = await this.#inspectNetwork(name);
    const first = info === undefined ? undefined : checkInternalNetwork(info);
    if (first && !first.ok && first.recreate) {
      try {
        const stale = this.docker.getNetwork(name);
        await (stale.remove as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>).call(stale, { abortSignal: AbortSignal.timeout(this.callTimeoutMs) });
      } catch (error) {
        // Gone already (another worker recreated it): inspect again below.
        if ((error as { statusCode?: number }).statusCode !== 404) throw toEngineError('network remove', '', error);
      }
      info = await this.#inspectNetwork(name);
    }
    if (info === undefined) {
      try {
        await this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          Internal: true,
          Options: { [ICC_OPTION]: 'false' },
          CheckDuplicate: true,
          Labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.network]: purpose },
          abortSignal: AbortSignal.timeout(this.callTimeoutMs),
        } as Dockerode.NetworkCreateOptions);
      } catch (error) {
        // Another worker may have created it meanwhile (409): use that one.
        if ((error as { statusCode?: number }).statusCode !== 409) throw toEngineError('network create', '', error);
      }
      info = await this.#inspectNetwork(name);
      if (info === undefined) throw new WorkerError('CONTAINER_FAILED', `Docker network ${name} was created but cannot be inspected`);
    }
    const verdict = checkInternalNetwork(info);
    if (!verdict.ok) throw new WorkerError('INTERNAL', verdict.problem);
    return verdict.network;
  }

  async #inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    try {
      const network = this.docker.getNetwork(name);
      return await (network.inspect as unknown as (opts: { abortSignal: AbortSignal }) => Promise<NetworkInfo>).call(network, {
        abortSignal: AbortSignal.timeout(this.callTimeoutMs),
      });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw toEngineError('network inspect', '', error);
    }
  }
}
