import type { WorkerConfig } from '../config/worker-config.js';
import { installEgressFirewall, startEgressProxy, type EgressFirewall, type EgressProxy, type InstallEgressFirewallOptions } from '../egress/index.js';
import type { Logger } from '../log/index.js';
import type { EgressRules } from '../policy/index.js';
import type { DockerEngine, InternalNetwork } from '../runtime/index.js';
import type { ToolRegistry } from '../tools/index.js';

/** Room above maxFetchBytes for headers, TLS records and chunk framing. */
const RESPONSE_SLACK_BYTES = 1024 * 1024;
const IDLE_TIMEOUT_MS = 30_000;
/** A connection may outlive its tool's timeout by this much (curl gives up first). */
const CONNECTION_SLACK_MS = 5_000;

/** The web tools' way out: their internal network, the egress proxy on its gateway, and the firewall that leaves them nothing else. */
export interface WebEgress {
  readonly network: InternalNetwork;
  readonly proxy: EgressProxy;
  readonly firewall: EgressFirewall;
  /** Removes the proxy's opening in the firewall and stops the proxy. */
  close(): Promise<void>;
}

/** How the firewall is installed: installEgressFirewall unless given (tests). */
export type InstallFirewall = (options: InstallEgressFirewallOptions) => Promise<EgressFirewall>;

/**
 * Creates (or finds) the internal network the web tools join (`tools.webNetwork`), starts the
 * egress proxy on its gateway, reading the rules through `rules` on every request, and installs
 * the firewall that leaves the network's containers nothing but the proxy's port (no other port
 * of the host, no other container: installEgressFirewall). Undefined when no tool uses that
 * network (or it is `none`). Fails (INTERNAL) when a network of that name exists but is not
 * internal (e.g. `bridge`) or lets its containers reach each other, or when the firewall cannot
 * be installed (not root): the caller then does not offer the web tools.
 */
export async function startWebEgress(
  engine: DockerEngine,
  tools: ToolRegistry,
  config: Pick<WorkerConfig, 'tools'>,
  rules: () => EgressRules,
  logger?: Logger,
  installFirewall: InstallFirewall = installEgressFirewall,
): Promise<WebEgress | undefined> {
  const name = config.tools.webNetwork;
  const users = tools.all().filter((spec) => spec.network === name);
  if (name === 'none' || users.length === 0) return undefined;
  const network = await engine.ensureInternalNetwork(name, 'web-egress');
  const proxy = await startEgressProxy({
    host: network.gateway,
    rules,
    clientNetwork: network.subnet,
    maxResponseBytes: config.tools.maxFetchBytes + RESPONSE_SLACK_BYTES,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    maxConnectionMs: Math.max(...users.map((spec) => spec.timeoutMs)) + CONNECTION_SLACK_MS,
    ...(logger ? { logger } : {}),
  });
  let firewall: EgressFirewall;
  try {
    firewall = await installFirewall({ bridge: network.bridge, gateway: network.gateway, proxyPort: proxy.port, ...(logger ? { logger } : {}) });
  } catch (error) {
    await proxy.close();
    throw error;
  }
  logger?.info('egress proxy listening', { network: network.name, url: proxy.url, subnet: network.subnet, bridge: network.bridge });
  return {
    network,
    proxy,
    firewall,
    close: async () => {
      await firewall.remove();
      await proxy.close();
    },
  };
}
