import { InvalidValueError, showValue } from './invalid-value-error.js';
import { parseGrpcAddress } from './parse-grpc-address.js';

/**
 * The HTTP listen address of --metrics-addr: `host:port` (a name, an IPv4 address or a
 * bracketed IPv6 one; port 0 takes any free port), or empty for off.
 */
export function parseMetricsAddr(raw: unknown): string {
  if (raw === '') return '';
  if (typeof raw === 'string' && raw.startsWith('unix:')) {
    throw new InvalidValueError(`${showValue(raw)} is not a host:port address (the metrics server listens on TCP)`);
  }
  return parseGrpcAddress(raw, { allowPortZero: true });
}
