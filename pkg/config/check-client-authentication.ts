import { ConfigError } from './config-error.js';
import type { ClientTokenEntry } from './parse-client-tokens.js';
import type { ServerTlsConfig } from './tls-config.js';

/**
 * Refuses a listener that would take TaskService calls from anyone on the network: a TCP
 * listener needs client tokens (--client-tokens) or client certificates (--tls-client-ca); a
 * plaintext one (--insecure, testing only) is let through as it is already declared insecure.
 * A unix socket needs neither: its file mode and group say who may connect.
 * Throws ConfigError naming --client-tokens.
 */
export function checkClientAuthentication(
  listen: string,
  settings: { readonly tls?: ServerTlsConfig; readonly insecure?: true; readonly clientTokens?: readonly ClientTokenEntry[] },
): void {
  if (listen.startsWith('unix:') || settings.insecure === true) return;
  if ((settings.clientTokens?.length ?? 0) > 0 || settings.tls?.clientCa !== undefined) return;
  throw new ConfigError(
    `--listen ${listen} would accept anonymous clients from the network: anyone reaching it could submit tasks and read every result. ` +
      'Give --client-tokens FILE (clients send a token) or --tls-client-ca FILE (clients present a certificate), ' +
      'or --insecure instead of TLS (plaintext and unauthenticated, testing only)',
    { option: '--client-tokens' },
  );
}
