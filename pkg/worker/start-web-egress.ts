import type { WorkerConfig } from '../config/worker-config.js';
import { startEgressProxy, type EgressProxy } from '../egress/index.js';
import type { Logger } from '../log/index.js';
import type { EgressRules } from '../policy/index.js';
import type { DockerEngine, InternalNetwork } from '../runtime/index.js';
import type { ToolRegistry } from '../tools/index.js';

/** Room above maxFetchBytes for headers, TLS records and chunk framing. */
const RESPONSE_SLACK_BYTES = 1024 * 1024;
const IDLE_TIMEOUT_MS = 30_000;
/** A connection may outlive its tool's timeout by this much (curl gives up first). */
const CONNECTION_SLACK_MS = 5_000;

/** The web tools' way out: their internal network and the egress proxy on its gateway. */
export interface WebEgress {
  readonly network: InternalNetwork;
  readonly proxy: EgressProxy;
  close(): Promise<void>;
}

/**
 * Creates (or finds) the internal network the web tools join (`tools.webNetwork`) and starts the
 * egress proxy on its gateway, reading the rules through `rules` on every request. Undefined when
 * no tool uses that network (or it is `none`). Fails (INTERNAL) when a network of that name
 * exists but is not internal, e.g. `bridge`: its containers could bypass the proxy.
 */
export async function startWebEgress(
  engine: DockerEngine,
  tools: ToolRegistry,
  config: Pick<WorkerConfig, 'tools'>,
  rules: () => EgressRules,
  logger?: Logger,
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
  logger?.info('egress proxy listening', { network: network.name, url: proxy.url, subnet: network.subnet });
  return { network, proxy, close: () => proxy.close() };
}
