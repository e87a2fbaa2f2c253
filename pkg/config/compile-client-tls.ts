import { ConfigError } from './config-error.js';
import { checkKeyMatchesCertificate, readPemFile } from './read-pem-file.js';
import type { ClientTlsConfig, ClientTlsFiles } from './tls-config.js';

/** The client's TLS options as given: '' (or false) means not set. */
export interface ClientTlsSettings {
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
  readonly tlsServerName: string;
  readonly insecure: boolean;
}

/** How a client reaches the orchestrator: TLS, plaintext TCP (`insecure`), or neither for a unix socket. */
export interface ClientTransport<T> {
  readonly tls?: T;
  readonly insecure?: true;
}

/**
 * The rules, without touching a file: a TCP address needs TLS (any of --ca-cert, --cert/--key,
 * --tls-server-name) or --insecure, not both; --cert and --key go together; a unix socket
 * takes none of them (its file permissions protect it). `addrOption` names the address's
 * option in messages. Throws ConfigError naming the option at fault.
 */
export function checkClientTls(addr: string, addrOption: string, settings: ClientTlsSettings): ClientTransport<ClientTlsFiles> {
  const given: [string, string][] = (
    [
      ['--ca-cert', settings.caCert],
      ['--cert', settings.cert],
      ['--key', settings.key],
      ['--tls-server-name', settings.tlsServerName],
    ] as [string, string][]
  ).filter(([, value]) => value !== '');
  const error = (option: string, message: string): ConfigError => new ConfigError(message, { option });
  if (addr.startsWith('unix:')) {
    const [first] = given;
    if (first !== undefined) {
      throw error(first[0], `${first[0]} applies to TCP addresses only: ${addr} is a unix socket, protected by its file permissions (drop ${first[0]}, or connect to host:port)`);
    }
    if (settings.insecure) throw error('--insecure', `--insecure applies to TCP addresses only: ${addr} is a unix socket, which never crosses the network (drop --insecure)`);
    return {};
  }
  if (settings.insecure) {
    const [first] = given;
    if (first !== undefined) throw error('--insecure', `--insecure contradicts ${first[0]}: choose TLS or plaintext`);
    return { insecure: true };
  }
  if (settings.cert !== '' && settings.key === '') throw error('--key', '--cert needs --key (the private key of the client certificate)');
  if (settings.key !== '' && settings.cert === '') throw error('--cert', '--key needs --cert (the client certificate)');
  if (given.length === 0) {
    throw error(
      addrOption,
      `${addrOption} ${addr} is a TCP address, and plaintext TCP is refused: give --ca-cert FILE (the CA that signed the orchestrator's certificate; ` +
        'with --cert FILE --key FILE when it requires client certificates) to connect over TLS, or --insecure to allow plaintext (testing only)',
    );
  }
  return {
    tls: {
      ...(settings.caCert ? { caCert: settings.caCert } : {}),
      ...(settings.cert ? { cert: settings.cert, key: settings.key } : {}),
      ...(settings.tlsServerName ? { serverName: settings.tlsServerName } : {}),
    },
  };
}

/** Reads the PEM files once; a missing, unreadable or wrong file is a ConfigError naming its option. */
export function readClientTls(files: ClientTlsFiles): ClientTlsConfig {
  const caCert = files.caCert === undefined ? undefined : readPemFile('--ca-cert', files.caCert, 'certificate');
  const cert = files.cert === undefined ? undefined : readPemFile('--cert', files.cert, 'certificate');
  const key = files.key === undefined ? undefined : readPemFile('--key', files.key, 'key');
  if (cert !== undefined && key !== undefined) checkKeyMatchesCertificate(cert, key, '--cert', '--key');
  return {
    ...(caCert ? { caCert } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(files.serverName ? { serverName: files.serverName } : {}),
  };
}

/** checkClientTls, then readClientTls: what a worker's config carries. */
export function compileClientTls(addr: string, addrOption: string, settings: ClientTlsSettings): ClientTransport<ClientTlsConfig> {
  const checked = checkClientTls(addr, addrOption, settings);
  if (checked.tls === undefined) return checked.insecure ? { insecure: true } : {};
  return { tls: readClientTls(checked.tls) };
}
