import { networkContains, parseCidr, unmapIpv4, type IpAddress, type IpNetwork } from './ip-address.js';

/**
 * What an address is, for egress: `public` may be reached; every other class is refused unless
 * the policy allows it (`host` never: see checkTarget).
 */
export type AddressClass =
  | 'public'
  | 'host'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'metadata'
  | 'unique-local'
  | 'multicast'
  | 'reserved';

/** What an address's range says, before the host's own addresses are looked at. */
type RangeClass = Exclude<AddressClass, 'host'>;

const RANGES: ReadonlyArray<readonly [cidr: string, cls: Exclude<AddressClass, 'public' | 'host'>]> = [
  // Most specific first: the first match decides.
  ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, OpenStack instance metadata
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared'], // carrier-grade NAT
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // and 255.255.255.255
  ['fd00:ec2::254/128', 'metadata'], // AWS over IPv6
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'reserved'], // discard-only (RFC 6666)
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'reserved'], // deprecated site-local
  ['ff00::/8', 'multicast'],
];

const NETWORKS: ReadonlyArray<readonly [IpNetwork, Exclude<AddressClass, 'public' | 'host'>]> = RANGES.map(([cidr, cls]) => [parseCidr(cidr)!, cls]);

/**
 * IPv6 ranges that carry an IPv4 address (in their last 32 bits unless `at` says otherwise). The
 * address is judged as that IPv4 address: whatever is blocked about it is blocked (loopback stays
 * loopback, the host stays the host); when the IPv4 address is public, the IPv6 one is `whenPublic`.
 * Checked after RANGES (so `::` and `::1`, inside `::/96`, are what RANGES says).
 */
const EMBEDDING: ReadonlyArray<{ readonly cidr: string; readonly at?: number; readonly whenPublic: RangeClass }> = [
  { cidr: '::ffff:0:0/96', whenPublic: 'public' }, // IPv4-mapped: the kernel connects to the IPv4 address itself
  { cidr: '::/96', whenPublic: 'reserved' }, // IPv4-compatible: deprecated (RFC 4291), never routed
  { cidr: '::ffff:0:0:0/96', whenPublic: 'reserved' }, // IPv4-translated (RFC 6145, SIIT)
  { cidr: '64:ff9b::/96', whenPublic: 'public' }, // NAT64 well-known prefix (RFC 6052): a NAT64 gateway connects to the IPv4 address
  { cidr: '2002::/16', at: 2, whenPublic: 'public' }, // 6to4 (RFC 3056): the IPv4 address is bits 16-47
];

/**
 * IPv6 ranges whose IPv4 address cannot be told for sure, so they are blocked (`reserved`) as a
 * whole: the local-use NAT64 prefix (RFC 8215; where the IPv4 address sits depends on the prefix
 * length the operator chose) and Teredo (RFC 4380; the client's address is obfuscated, and a
 * relay decides where it goes).
 */
const OPAQUE_TUNNELS: readonly string[] = ['64:ff9b:1::/48', '2001::/32'];

const EMBEDDED = EMBEDDING.map((form) => ({ ...form, network: parseCidr(form.cidr)!, at: form.at ?? 12 }));
const OPAQUE = OPAQUE_TUNNELS.map((cidr) => parseCidr(cidr)!);

/**
 * Classifies an address (pure). IPv4 inside IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
 * translated `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002:AABB:CCDD::/48`) is judged as
 * that IPv4 address (see EMBEDDING); the local-use NAT64 prefix and Teredo are `reserved`.
 * `hostAddresses` are the machine's own (every interface address): they are `host` whatever range
 * they are in (but loopback and unspecified, which stay what they are), also inside IPv6.
 */
export function classifyAddress(address: IpAddress, hostAddresses: readonly IpAddress[] = []): AddressClass {
  const embedded = embeddedIpv4(address);
  const byRange = rangeClass(address, embedded);
  if (byRange === 'loopback' || byRange === 'unspecified') return byRange;
  for (const candidate of embedded ? [address, embedded.ipv4] : [address]) {
    if (hostAddresses.some((own) => sameAddress(unmapIpv4(own), candidate))) return 'host';
  }
  return byRange;
}

function rangeClass(address: IpAddress, embedded: ReturnType<typeof embeddedIpv4>): RangeClass {
  const listed = NETWORKS.find(([network]) => networkContains(network, address));
  if (listed) return listed[1];
  if (embedded) {
    const inner = rangeClass(embedded.ipv4, undefined);
    return inner === 'public' ? embedded.whenPublic : inner;
  }
  if (OPAQUE.some((network) => networkContains(network, address))) return 'reserved';
  return 'public';
}

/** The IPv4 address an IPv6 address carries (see EMBEDDING), or undefined. */
function embeddedIpv4(address: IpAddress): { readonly ipv4: IpAddress; readonly whenPublic: RangeClass } | undefined {
  if (address.family !== 6) return undefined;
  const form = EMBEDDED.find(({ network }) => networkContains(network, address));
  if (!form) return undefined;
  return { ipv4: { family: 4, bytes: address.bytes.slice(form.at, form.at + 4) }, whenPublic: form.whenPublic };
}

function sameAddress(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.bytes.every((byte, i) => byte === b.bytes[i]);
}
