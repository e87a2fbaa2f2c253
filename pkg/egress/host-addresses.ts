import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { parseIp, type IpAddress } from './ip-address.js';

const REFRESH_MS = 5_000;

/**
 * The machine's own addresses, for the egress check: every interface address Node lists (only
 * interfaces that are up) together with what `ip -o addr` lists (also bridges whose link is down,
 * e.g. docker0 with no container attached), re-read at most every 5 s. `extra` (the egress
 * gateway) is always included. Without `ip`, Node's list alone.
 */
export function createHostAddresses(extra: readonly string[] = []): () => Promise<IpAddress[]> {
  let cached: { at: number; addresses: IpAddress[] } | undefined;
  return async () => {
    if (cached && performance.now() - cached.at < REFRESH_MS) return cached.addresses;
    const texts = new Set(extra);
    for (const list of Object.values(networkInterfaces())) for (const info of list ?? []) texts.add(info.address);
    for (const address of await ipAddrList()) texts.add(address);
    const addresses = [...texts].map((text) => parseIp(text)).filter((address): address is IpAddress => address !== undefined);
    cached = { at: performance.now(), addresses };
    return addresses;
  };
}

function ipAddrList(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('ip', ['-o', 'addr', 'show'], { timeout: 2_000 }, (error, stdout) => {
      if (error) return resolve([]);
      resolve([...stdout.matchAll(/\binet6? ([0-9a-fA-F.:]+)\//g)].map((match) => match[1]!));
    });
  });
}
