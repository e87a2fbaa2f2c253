import type { EgressRules } from '../policy/policy.js';
import { classifyAddress, type AddressClass } from './classify-address.js';
import { formatIp, networkContains, parseCidr, parseIp, unmapIpv4, type IpAddress } from './ip-address.js';
import { matchesHostPattern } from './match-host-pattern.js';

/** Where a web tool wants to connect: a host name or IP literal (no brackets) and a port. */
export interface EgressTarget {
  readonly host: string;
  readonly port: number;
}

export type TargetVerdict =
  | { readonly allowed: true; readonly address: string; readonly family: 4 | 6; readonly addresses: readonly string[] }
  | {
      readonly allowed: false;
      /** 403 for a refusal, 502 when the name does not resolve. */
      readonly status: 403 | 502;
      /** What refused: `egress.domains`, `egress: private`, `host`, `dns`, ... */
      readonly rule: string;
      readonly reason: string;
    };

export interface CheckTargetDeps {
  /** Every address of a name (e.g. dns.promises.lookup with `all: true`). */
  lookup(host: string): Promise<ReadonlyArray<{ address: string }>>;
  /** The machine's own addresses (never reached). */
  hostAddresses(): Promise<readonly IpAddress[]>;
}

/** Never reachable, whatever the policy says: these are the worker's host. */
const NEVER: readonly AddressClass[] = ['host', 'loopback', 'unspecified'];

/**
 * Decides one connection of a web tool. With `rules.domains` set, the host name must match one
 * of them. The name is resolved here, once; when ANY of its addresses is blocked (not public)
 * and neither `allowHosts` (by name) nor `allowCidrs` (by address) allows it, the target is
 * refused, and the host's own, loopback and unspecified addresses are refused always. An allowed
 * verdict carries the checked address to connect to (no second resolution).
 */
export async function checkTarget(target: EgressTarget, rules: EgressRules, deps: CheckTargetDeps): Promise<TargetVerdict> {
  const deny = (rule: string, reason: string, status: 403 | 502 = 403): TargetVerdict => ({ allowed: false, status, rule, reason });
  const host = target.host.toLowerCase().replace(/\.$/, '');
  if (host === '') return deny('target', 'no host');
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) return deny('target', `port ${target.port} is not a port`);
  if (rules.domains.length > 0 && !rules.domains.some((pattern) => matchesHostPattern(host, pattern))) {
    return deny('egress.domains', `${host} is not in the policy's egress.domains`);
  }
  const literal = parseIp(host);
  let addresses: IpAddress[];
  if (literal) addresses = [literal];
  else {
    try {
      addresses = (await deps.lookup(host)).map((found) => parseIp(found.address)).filter((a): a is IpAddress => a !== undefined);
    } catch (error) {
      return deny('dns', `cannot resolve ${host} (${(error as { code?: string }).code ?? String(error)})`, 502);
    }
    if (addresses.length === 0) return deny('dns', `${host} has no address`, 502);
  }
  const own = await deps.hostAddresses();
  const allowedByName = rules.allowHosts.some((pattern) => matchesHostPattern(host, pattern));
  const cidrs = rules.allowCidrs.map((cidr) => parseCidr(cidr)).filter((network) => network !== undefined);
  for (const address of addresses) {
    const cls = classifyAddress(address, own);
    if (cls === 'public') continue;
    const shown = formatIp(address);
    const what = host === shown ? shown : `${host} resolves to ${shown}`;
    if (NEVER.includes(cls)) {
      return deny(cls === 'host' ? 'host' : `egress: ${cls}`, `${what}, ${cls === 'host' ? "an address of the worker's host" : `a ${cls} address`}, which is never reached`);
    }
    const unmapped = unmapIpv4(address);
    if (allowedByName || cidrs.some((network) => networkContains(network, unmapped) || networkContains(network, address))) continue;
    return deny(`egress: ${cls}`, `${what}, a ${cls} address the policy does not allow (egress.allowHosts, egress.allowCidrs)`);
  }
  const first = addresses[0]!;
  return { allowed: true, address: formatIp(first), family: first.family, addresses: addresses.map(formatIp) };
}
