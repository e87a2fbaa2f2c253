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
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'reserved'], // deprecated site-local
  ['ff00::/8', 'multicast'],
];

const NETWORKS: ReadonlyArray<readonly [IpNetwork, Exclude<AddressClass, 'public' | 'host'>]> = RANGES.map(([cidr, cls]) => [parseCidr(cidr)!, cls]);
const NAT64 = parseCidr('64:ff9b::/96')!;
const SIX_TO_FOUR = parseCidr('2002::/16')!;

/**
 * Classifies an address (pure). IPv4 inside IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`,
 * 6to4 `2002:AABB:CCDD::/48`) is classified as that IPv4 address. `hostAddresses` are the
 * machine's own (every interface address): they are `host` whatever range they are in (but
 * loopback and unspecified, which stay what they are).
 */
export function classifyAddress(address: IpAddress, hostAddresses: readonly IpAddress[] = []): AddressClass {
  const candidates = [address, ...embeddedIpv4(address)];
  let byRange: AddressClass = 'public';
  search: for (const candidate of candidates) {
    for (const [network, cls] of NETWORKS) {
      if (networkContains(network, candidate)) {
        byRange = cls;
        break search;
      }
    }
  }
  if (byRange === 'loopback' || byRange === 'unspecified') return byRange;
  for (const candidate of candidates) {
    if (hostAddresses.some((own) => sameAddress(unmapIpv4(own), candidate))) return 'host';
  }
  return byRange;
}

/** The IPv4 addresses an IPv6 address carries (mapped, NAT64, 6to4), or none. */
function embeddedIpv4(address: IpAddress): IpAddress[] {
  const unmapped = unmapIpv4(address);
  if (unmapped !== address) return [unmapped];
  if (networkContains(NAT64, address)) return [{ family: 4, bytes: address.bytes.slice(12) }];
  if (networkContains(SIX_TO_FOUR, address)) return [{ family: 4, bytes: address.bytes.slice(2, 6) }];
  return [];
}

function sameAddress(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.bytes.every((byte, i) => byte === b.bytes[i]);
}
