import { formatIp, parseIp } from './ip-address.js';

/** Which of iptables and ip6tables a rule is for. */
export type FirewallFamily = 'ipv4' | 'ipv6';

/** One rule of the filter table. */
export interface FirewallRule {
  readonly family: FirewallFamily;
  readonly chain: string;
  /** `first`: inserted at the top of the chain (`-I CHAIN 1`); `last`: appended (`-A`). */
  readonly at: 'first' | 'last';
  /** Matches and target, as iptables arguments (no table, command or chain). */
  readonly spec: readonly string[];
  /**
   * `shared`: refuses, never opens; the same for every worker whose proxy serves this network,
   * left in place at stop. `proxy`: this worker's own opening to its proxy, removed at stop.
   */
  readonly owner: 'shared' | 'proxy';
}

export interface EgressFirewallPlan {
  /** Chains to create (when missing) before any rule. */
  readonly chains: ReadonlyArray<{ readonly family: FirewallFamily; readonly name: string }>;
  /** In installation order: a chain's refusal is in place before anything jumps to it. */
  readonly rules: readonly FirewallRule[];
}

export interface EgressFirewallInput {
  /** The web tools' bridge interface, e.g. `br-0123456789ab`. */
  readonly bridge: string;
  /** The host's IPv4 address on that bridge, where the proxy listens. */
  readonly gateway: string;
  readonly proxyPort: number;
  /** Whether IPv6 is enabled on the bridge (then ip6tables refuses all of it: the proxy is IPv4 only). */
  readonly ipv6: boolean;
}

/** Every comment of ours starts with this, then `<bridge>:`: how the rules are found again. */
export const FIREWALL_COMMENT_PREFIX = 'baaaht-egress:';
/** Our per-bridge chain of the INPUT path: `BAAAHT-IN-<bridge>` (at most 25 characters; iptables allows 28). */
export const FIREWALL_CHAIN_PREFIX = 'BAAAHT-IN-';

/** A Linux interface name (at most 15 bytes) of the characters Docker uses; nothing iptables could read as an option. */
const INTERFACE_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/;

/**
 * The rules that leave a web tool's container one way out: the proxy's port on the gateway (pure).
 *
 * Trust: the containers on `bridge` run web tools, i.e. code that fetches what a model asked for,
 * and are trusted with nothing but the proxy. Traffic from them to any address of the host comes
 * in through INPUT (the host's services, on every interface, would otherwise answer); traffic to
 * other containers and anywhere else goes through FORWARD (bridged traffic too: Docker enables
 * bridge-nf-call-iptables). So:
 * - INPUT from the bridge jumps to `BAAAHT-IN-<bridge>`, which accepts TCP to gateway:proxyPort
 *   (one such rule per worker whose proxy serves this network) and rejects everything else;
 * - FORWARD rejects everything into or out of the bridge (ahead of Docker's own rules, which
 *   do the same for an internal network without inter-container traffic: this does not rely on them);
 * - with IPv6 on the bridge, ip6tables rejects everything in INPUT and FORWARD from it.
 * REJECT rather than DROP: a refused connection fails at once instead of hanging until a timeout.
 */
export function planEgressFirewall(input: EgressFirewallInput): EgressFirewallPlan {
  const { bridge, proxyPort } = input;
  if (!INTERFACE_NAME.test(bridge)) throw new Error(`${JSON.stringify(bridge)} is not a bridge interface name`);
  const gateway = parseIp(input.gateway);
  if (gateway?.family !== 4) throw new Error(`${JSON.stringify(input.gateway)} is not an IPv4 address`);
  if (!Number.isInteger(proxyPort) || proxyPort < 1 || proxyPort > 65535) throw new Error(`${proxyPort} is not a port`);
  const address = formatIp(gateway);
  const chain = firewallChainFor(bridge);
  const comment = (what: string): string[] => ['-m', 'comment', '--comment', `${FIREWALL_COMMENT_PREFIX}${bridge}:${what}`];
  const rule = (family: FirewallFamily, chainName: string, at: 'first' | 'last', spec: string[], owner: 'shared' | 'proxy' = 'shared'): FirewallRule => ({
    family,
    chain: chainName,
    at,
    spec,
    owner,
  });
  const rules: FirewallRule[] = [
    rule('ipv4', chain, 'last', [...comment('refuse-the-rest'), '-j', 'REJECT']),
    rule('ipv4', chain, 'first', ['-d', `${address}/32`, '-p', 'tcp', '-m', 'tcp', '--dport', String(proxyPort), ...comment(`proxy-${address}-${proxyPort}`), '-j', 'ACCEPT'], 'proxy'),
    rule('ipv4', 'INPUT', 'first', ['-i', bridge, ...comment('only-the-proxy'), '-j', chain]),
    rule('ipv4', 'FORWARD', 'first', ['-i', bridge, ...comment('no-forwarding-out'), '-j', 'REJECT']),
    rule('ipv4', 'FORWARD', 'first', ['-o', bridge, ...comment('no-forwarding-in'), '-j', 'REJECT']),
  ];
  if (input.ipv6) {
    rules.push(
      rule('ipv6', 'INPUT', 'first', ['-i', bridge, ...comment('no-ipv6'), '-j', 'REJECT']),
      rule('ipv6', 'FORWARD', 'first', ['-i', bridge, ...comment('no-ipv6-forwarding-out'), '-j', 'REJECT']),
      rule('ipv6', 'FORWARD', 'first', ['-o', bridge, ...comment('no-ipv6-forwarding-in'), '-j', 'REJECT']),
    );
  }
  return { chains: [{ family: 'ipv4', name: chain }], rules };
}

/** `BAAAHT-IN-<bridge>`. */
export function firewallChainFor(bridge: string): string {
  return `${FIREWALL_CHAIN_PREFIX}${bridge}`;
}

/**
 * What to delete of our rules in one family's filter table (the output of `iptables -S`) because
 * their bridge is gone (pure): every rule whose comment is ours and names a bridge not in `live`,
 * as `-D` arguments, then our chains of such bridges (flush and delete them after the rules).
 * Rules of live bridges are never touched: another worker's proxy may be using them.
 */
export function staleFirewallRules(listing: string, live: ReadonlySet<string>): { readonly deletions: ReadonlyArray<readonly string[]>; readonly chains: readonly string[] } {
  const deletions: string[][] = [];
  const chains: string[] = [];
  for (const line of listing.split('\n')) {
    const args = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
    if (args[0] === '-N' && args[1]?.startsWith(FIREWALL_CHAIN_PREFIX)) {
      const bridge = args[1].slice(FIREWALL_CHAIN_PREFIX.length);
      if (!live.has(bridge)) chains.push(args[1]);
      continue;
    }
    if (args[0] !== '-A') continue;
    const comment = args[args.indexOf('--comment') + 1];
    if (!args.includes('--comment') || !comment?.startsWith(FIREWALL_COMMENT_PREFIX)) continue;
    const bridge = comment.slice(FIREWALL_COMMENT_PREFIX.length).split(':')[0]!;
    if (!live.has(bridge)) deletions.push(['-D', ...args.slice(1)]);
  }
  return { deletions, chains };
}
