import { credentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { ClientTlsConfig } from '../config/tls-config.js';

/**
 * TLS credentials of a client channel: the server is verified against `caCert` (else the
 * system's roots) and must carry the target's host name, or `serverName`; `cert` and `key`
 * are presented when the server asks for a client certificate. `options` are the channel
 * options the name override needs.
 */
export function createChannelCredentials(tls: ClientTlsConfig): { credentials: ChannelCredentials; options: ChannelOptions } {
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error('a client certificate needs its key, and a key its certificate');
  return {
    credentials: credentials.createSsl(tls.caCert ?? null, tls.key ?? null, tls.cert ?? null),
    options:
      tls.serverName === undefined
        ? {}
        : { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName },
  };
}
