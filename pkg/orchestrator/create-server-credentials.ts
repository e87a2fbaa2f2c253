import { ServerCredentials } from '@grpc/grpc-js';
import type { ServerTlsConfig } from '../config/tls-config.js';

/**
 * Credentials of a TCP listener: TLS with the server's certificate and key; with `clientCa`,
 * clients must present a certificate it signed (mutual TLS), else the handshake fails.
 * Without `tls`, plaintext (the caller has checked --insecure).
 */
export function createServerCredentials(tls: ServerTlsConfig | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
}
