import { isIPv4, isIPv6 } from 'node:net';

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
 */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, bytes: Uint8Array.from(text.split('.').map(Number)) };
  if (!isIPv6(text)) return undefined;
  const bare = text.split('%')[0]!.toLowerCase();
  const [head = '', tail] = bare.split('::') as [string, string | undefined];
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const v4 = piece.split('.').map(Number);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else out.push(parseInt(piece, 16));
    }
    return out;
  };
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return { family: 6, bytes };
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
  const bytes = address.bytes.map((byte, i) => byte & maskByte(prefix, i));
  return { address: { family: address.family, bytes }, prefix };
}

/** Whether the network holds the address (same family only: see unmapIpv4 for `::ffff:a.b.c.d`). */
export function networkContains(network: IpNetwork, address: IpAddress): boolean {
  if (network.address.family !== address.family) return false;
  return address.bytes.every((byte, i) => (byte & maskByte(network.prefix, i)) === network.address.bytes[i]);
}

/** The canonical text of a network, e.g. `10.1.2.0/24`, `fd00::/8`. */
export function formatCidr(network: IpNetwork): string {
  return `${formatIp(network.address)}/${network.prefix}`;
}

/** Dotted quad, or the eight groups of IPv6 in hex with the longest run of zero groups as `::`. */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) return [...address.bytes].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((address.bytes[i]! << 8) | address.bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:127.0.0.1`); otherwise the address itself. */
export function unmapIpv4(address: IpAddress): IpAddress {
  if (address.family !== 6) return address;
  const b = address.bytes;
  const mapped = b.slice(0, 10).every((byte) => byte === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? { family: 4, bytes: b.slice(12) } : address;
}

function maskByte(prefix: number, index: number): number {
  const bits = Math.max(0, Math.min(8, prefix - index * 8));
  return (0xff << (8 - bits)) & 0xff;
}
