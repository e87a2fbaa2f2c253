import ipaddr from 'ipaddr.js';
import { BlockList, isIP } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** A network: the address with the host bits cleared, and the prefix length. */
export interface IpNetwork {
  readonly address: IpAddress;
  readonly prefix: number;
}

/**
 * Parses an IPv4 (dotted quad) or IPv6 address (any textual form, with `::`, an embedded IPv4
 * tail or a `%zone`); undefined for anything else (host names, `[::1]` brackets included).
 *
 * ipaddr.js parses; Node's own parser (the one `connect()` uses) must accept the text and agree
 * on the bytes, or the text is not an address: two independent parsers, so that a quirk of one
 * cannot make the egress check judge an address other than the one that is reached.
 */
export function parseIp(text: string): IpAddress | undefined {
  const family = isIP(text);
  if (family === 4) {
    // Strict dotted quad only: ipaddr.js also reads octal, hex and short forms (`0x7f.1`), which Node refuses anyway.
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
    return { family: 4, bytes: Uint8Array.from(ipaddr.IPv4.parse(text).toByteArray()) };
  }
  if (family !== 6 || !ipaddr.IPv6.isValid(text)) return undefined;
  // ipaddr.js reads the deprecated IPv4-compatible form `::a.b.c.d` as IPv4-mapped (`::ffff:a.b.c.d`);
  // RFC 4291, Node and the kernel read it as `::0:a.b.c.d`. Spell it that way (Node checks the result below).
  const spelled = /^::\d+\.\d+\.\d+\.\d+(%.*)?$/.test(text) ? `::0:${text.slice(2)}` : text;
  const bytes = Uint8Array.from(ipaddr.IPv6.parse(spelled).toByteArray());
  const address: IpAddress = { family: 6, bytes };
  const same = new BlockList();
  same.addAddress(formatIp(address), 'ipv6');
  return same.check(text, 'ipv6') ? address : undefined;
}

/** Parses `10.1.2.0/24`, `fd00::/8` or a bare address (a /32 or /128); undefined when malformed. Host bits are cleared. */
export function parseCidr(text: string): IpNetwork | undefined {
  const [addressText = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const address = parseIp(addressText);
  if (!address || addressText.includes('%')) return undefined;
  const max = address.bytes.length * 8;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  const mask = (address.family === 4 ? ipaddr.IPv4 : ipaddr.IPv6).subnetMaskFromPrefixLength(prefix).toByteArray();
  return { address: { family: address.family, bytes: address.bytes.map((byte, i) => byte & mask[i]!) }, prefix };
}

/** Whether the network holds the address (same family only: see unmapIpv4 for `::ffff:a.b.c.d`). */
export function networkContains(network: IpNetwork, address: IpAddress): boolean {
  if (network.address.family !== address.family) return false;
  return toIpaddr(address).match(toIpaddr(network.address), network.prefix);
}

/** The canonical text of a network, e.g. `10.1.2.0/24`, `fd00::/8`. */
export function formatCidr(network: IpNetwork): string {
  return `${formatIp(network.address)}/${network.prefix}`;
}

/** Dotted quad, or IPv6 in RFC 5952's form (lower-case hex, the longest run of zero groups as `::`). */
export function formatIp(address: IpAddress): string {
  const parsed = toIpaddr(address);
  return parsed instanceof ipaddr.IPv6 ? parsed.toRFC5952String() : parsed.toString();
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:127.0.0.1`); otherwise the address itself. */
export function unmapIpv4(address: IpAddress): IpAddress {
  if (address.family !== 6) return address;
  const parsed = toIpaddr(address);
  if (!(parsed instanceof ipaddr.IPv6) || !parsed.isIPv4MappedAddress()) return address;
  return { family: 4, bytes: Uint8Array.from(parsed.toIPv4Address().toByteArray()) };
}

function toIpaddr(address: IpAddress): ipaddr.IPv4 | ipaddr.IPv6 {
  return ipaddr.fromByteArray([...address.bytes]);
}
