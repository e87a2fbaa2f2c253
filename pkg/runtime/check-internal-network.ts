import { LABELS, MANAGED_BY } from './container-labels.js';

/** An internal Docker network: its containers reach nothing but the gateway (an address of the host). */
export interface InternalNetwork {
  readonly name: string;
  readonly id: string;
  /** The host's address on it, e.g. `172.18.0.1`. */
  readonly gateway: string;
  /** e.g. `172.18.0.0/16`. */
  readonly subnet: string;
  /** Its bridge interface on the host, e.g. `br-0123456789ab` (where the egress firewall applies). */
  readonly bridge: string;
}

/** What the engine says of a network (the fields the check reads). */
export interface NetworkInfo {
  Id: string;
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Options?: Record<string, string>;
  Labels?: Record<string, string> | null;
  Containers?: Record<string, unknown> | null;
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> | null };
}

/** Docker's bridge driver option that turns inter-container traffic on the bridge off. */
export const ICC_OPTION = 'com.docker.network.bridge.enable_icc';
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

export type InternalNetworkVerdict =
  | { readonly ok: true; readonly network: InternalNetwork }
  | {
      readonly ok: false;
      readonly problem: string;
      /** Ours and unused: the worker may remove it and create it anew, right. */
      readonly recreate: boolean;
    };

/**
 * Whether a network may carry the web tools (pure): a bridge, internal (no route out but the
 * host), without inter-container traffic (a web tool must not reach another one), with an IPv4
 * gateway (where the egress proxy listens). Trust: the network's settings come from the engine
 * (trusted), but a network of that name may have been made by anyone with the engine's socket,
 * so nothing is assumed from its name. A network of ours (labelled) that is wrong only by an
 * older worker's settings and has no container may be recreated; any other is refused.
 */
export function checkInternalNetwork(info: NetworkInfo): InternalNetworkVerdict {
  const ours = info.Labels?.[LABELS.managedBy] === MANAGED_BY;
  const unused = Object.keys(info.Containers ?? {}).length === 0;
  const refuse = (problem: string, fixable = false): InternalNetworkVerdict => ({ ok: false, problem, recreate: fixable && ours && unused });
  if (info.Driver !== undefined && info.Driver !== 'bridge') return refuse(`Docker network ${info.Name} uses the ${info.Driver} driver, not bridge`);
  if (info.Internal !== true) {
    return refuse(`Docker network ${info.Name} exists but is not internal, so its containers could bypass the egress proxy; remove it (the worker recreates it) or choose another --web-network`);
  }
  if (info.Options?.[ICC_OPTION] !== 'false') {
    return refuse(
      `Docker network ${info.Name} lets its containers reach each other (it was created without ${ICC_OPTION}=false), so one web tool could reach another; remove it (the worker recreates it) or choose another --web-network`,
      true,
    );
  }
  const ipv4 = (info.IPAM?.Config ?? []).find((config) => config.Gateway !== undefined && config.Gateway.includes('.') && config.Subnet !== undefined);
  if (!ipv4?.Gateway || !ipv4.Subnet) return refuse(`Docker network ${info.Name} has no IPv4 gateway`);
  const bridge = info.Options?.[BRIDGE_NAME_OPTION] ?? `br-${info.Id.slice(0, 12)}`;
  return { ok: true, network: { name: info.Name, id: info.Id, gateway: ipv4.Gateway, subnet: ipv4.Subnet, bridge } };
}
