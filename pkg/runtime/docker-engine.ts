import Dockerode from 'dockerode';
import { WorkerError } from '../errors/index.js';
import { LABELS, MANAGED_BY } from './container-labels.js';
import { toEngineError } from './engine-error.js';

/** An internal Docker network: its containers reach nothing but the gateway (an address of the host). */
export interface InternalNetwork {
  readonly name: string;
  readonly id: string;
  /** The host's address on it, e.g. `172.18.0.1`. */
  readonly gateway: string;
  /** e.g. `172.18.0.0/16`. */
  readonly subnet: string;
}

interface NetworkInfo {
  Id: string;
  Name: string;
  Internal?: boolean;
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> };
}
import { engineRuntimesFrom, type EngineRuntimes, type InfoRuntimes } from './engine-runtimes.js';

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
   * The internal network `name`, created (bridge driver, `Internal: true`, labelled as ours) when
   * missing. A network of that name that is not internal, or has no IPv4 gateway, is refused
   * (INTERNAL): its containers could reach more than the egress proxy.
   */
  async ensureInternalNetwork(name: string, purpose: string): Promise<InternalNetwork> {
    let info = await this.#inspectNetwork(name);
    if (info === undefined) {
      try {
        await this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          Internal: true,
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
    if (info.Internal !== true) {
      throw new WorkerError(
        'INTERNAL',
        `Docker network ${name} exists but is not internal, so its containers could bypass the egress proxy; remove it (the worker recreates it) or choose another --web-network`,
      );
    }
    const ipv4 = (info.IPAM?.Config ?? []).find((config) => config.Gateway !== undefined && config.Gateway.includes('.') && config.Subnet !== undefined);
    if (!ipv4?.Gateway || !ipv4.Subnet) throw new WorkerError('INTERNAL', `Docker network ${name} has no IPv4 gateway`);
    return { name: info.Name, id: info.Id, gateway: ipv4.Gateway, subnet: ipv4.Subnet };
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
