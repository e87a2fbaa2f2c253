import { ConfigError } from './config-error.js';
import { checkKeyMatchesCertificate, readPemFile } from './read-pem-file.js';
import type { ServerTlsConfig } from './tls-config.js';

/** The orchestrator's TLS options as given: '' (or false) means not set. */
export interface ServerTlsSettings {
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly tlsClientCa: string;
  readonly insecure: boolean;
}

/**
 * A TCP listener needs --tls-cert and --tls-key (plus --tls-client-ca for mutual TLS) or
 * --insecure, not both; a unix socket takes none of them. Reads the PEM files once.
 * Throws ConfigError naming the option at fault.
 */
export function compileServerTls(listen: string, settings: ServerTlsSettings): { readonly tls?: ServerTlsConfig; readonly insecure?: true } {
  const given = (
    [
      ['--tls-cert', settings.tlsCert],
      ['--tls-key', settings.tlsKey],
      ['--tls-client-ca', settings.tlsClientCa],
    ] as [string, string][]
  ).filter(([, value]) => value !== '');
  const error = (option: string, message: string): ConfigError => new ConfigError(message, { option });
  const [first] = given;
  if (listen.startsWith('unix:')) {
    if (first !== undefined) {
      throw error(first[0], `${first[0]} applies to TCP listeners only: ${listen} is a unix socket, protected by its file permissions (drop ${first[0]}, or listen on host:port)`);
    }
    if (settings.insecure) throw error('--insecure', `--insecure applies to TCP listeners only: ${listen} is a unix socket, which never crosses the network (drop --insecure)`);
    return {};
  }
  if (settings.insecure) {
    if (first !== undefined) throw error('--insecure', `--insecure contradicts ${first[0]}: choose TLS or plaintext`);
    return { insecure: true };
  }
  if (first === undefined) {
    throw error(
      '--listen',
      `--listen ${listen} is a TCP address, and a plaintext TCP listener is refused: give --tls-cert FILE --tls-key FILE to serve TLS ` +
        '(and --tls-client-ca FILE to require client certificates), or --insecure to allow plaintext (testing only)',
    );
  }
  if (settings.tlsCert === '') throw error('--tls-cert', `${first[0]} needs --tls-cert (the server's certificate)`);
  if (settings.tlsKey === '') throw error('--tls-key', '--tls-cert needs --tls-key (the private key of the server certificate)');
  const cert = readPemFile('--tls-cert', settings.tlsCert, 'certificate');
  const key = readPemFile('--tls-key', settings.tlsKey, 'key');
  checkKeyMatchesCertificate(cert, key, '--tls-cert', '--tls-key');
  const clientCa = settings.tlsClientCa === '' ? undefined : readPemFile('--tls-client-ca', settings.tlsClientCa, 'certificate');
  return { tls: { cert, key, ...(clientCa ? { clientCa } : {}) } };
}
