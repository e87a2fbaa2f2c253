import { InvalidValueError, showValue } from './invalid-value-error.js';

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

/**
 * A gRPC address: `unix:///abs/path.sock`, `unix:/abs/path.sock` or `host:port` (a name,
 * an IPv4 address or a bracketed IPv6 one). With `normalizeUnix`, `unix:/path` comes back as
 * `unix:///path`; `allowPortZero` is for listeners (port 0: any free port).
 */
export function parseGrpcAddress(
  raw: unknown,
  options: { normalizeUnix?: boolean; allowPortZero?: boolean } = {},
): string {
  const invalid = (why: string): InvalidValueError =>
    new InvalidValueError(`${showValue(raw)} is not an address (unix:///path/to.sock, unix:/path or host:port): ${why}`);
  if (typeof raw !== 'string' || raw.length === 0) throw invalid('expected a non-empty string');
  if (/\s/.test(raw)) throw invalid('it contains white space');
  if (raw.startsWith('unix:')) {
    const path = raw.startsWith('unix://') ? raw.slice('unix://'.length) : raw.slice('unix:'.length);
    if (!path.startsWith('/') || path.length < 2) throw invalid('the socket path must be absolute');
    return options.normalizeUnix === true ? `unix://${path}` : raw;
  }
  if (raw.includes('://')) throw invalid('only unix:// addresses take a scheme');
  const colon = raw.lastIndexOf(':');
  if (colon <= 0) throw invalid('the port is missing');
  const host = raw.slice(0, colon);
  const port = raw.slice(colon + 1);
  if (!HOST.test(host)) throw invalid(`${showValue(host)} is not a host name or IP address`);
  const portNumber = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
  const minPort = options.allowPortZero === true ? 0 : 1;
  if (!(portNumber >= minPort && portNumber <= 65535)) throw invalid(`the port must be a number from ${minPort} to 65535`);
  return raw;
}
