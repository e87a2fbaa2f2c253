import type { OptionSpec } from './option-spec.js';
import { parseBoolean } from './parse-boolean.js';
import { parseText } from './parse-text.js';

/** A file path, or '' for none. The file itself is read once the whole configuration is known. */
function parsePath(raw: unknown): string {
  return raw === '' ? '' : parseText(raw, { maxLength: 4096 });
}

const insecure = (doc: string): OptionSpec<boolean> => ({
  flag: 'insecure',
  key: 'insecure',
  default: 'false',
  boolean: true,
  doc,
  parse: (raw) => parseBoolean(raw),
});

/**
 * TLS of a client of the orchestrator (the worker): `--ca-cert`, `--cert`, `--key`,
 * `--tls-server-name`, `--insecure`. A TCP address needs TLS (any of the first four) or
 * `--insecure`; none of them applies to a unix socket. Checked and read by compileClientTls.
 */
export function clientTlsOptionSpecs() {
  return {
    caCert: {
      flag: 'ca-cert',
      key: 'tls.caCert',
      default: '',
      defaultText: "none (the system's CA certificates)",
      metavar: 'file',
      doc: "PEM file of the CA certificate(s) that verify the orchestrator's certificate (TCP addresses: the connection is TLS).",
      parse: parsePath,
    },
    cert: {
      flag: 'cert',
      key: 'tls.cert',
      default: '',
      defaultText: 'none',
      metavar: 'file',
      doc: 'PEM file of this client\'s certificate (chain), for an orchestrator that requires client certificates (mutual TLS); needs --key.',
      parse: parsePath,
    },
    key: {
      flag: 'key',
      key: 'tls.key',
      default: '',
      defaultText: 'none',
      metavar: 'file',
      doc: 'PEM file of the private key of --cert (unencrypted; keep it 0600).',
      parse: parsePath,
    },
    tlsServerName: {
      flag: 'tls-server-name',
      key: 'tls.serverName',
      default: '',
      defaultText: 'the host of the address',
      metavar: 'name',
      doc: "Name the orchestrator's certificate must carry, when it differs from the address's host (e.g. when connecting by IP).",
      parse: (raw: unknown) => (raw === '' ? '' : parseText(raw, { pattern: /^[A-Za-z0-9.:*-]+$/, what: 'a host name', maxLength: 253 })),
    },
    insecure: insecure(
      'Allow plaintext TCP to the orchestrator, with neither encryption nor authentication: for testing only (a warning is logged at every start). Not for unix sockets.',
    ),
  } satisfies Record<string, OptionSpec<unknown>>;
}

/**
 * TLS of the orchestrator's TCP listener: `--tls-cert`, `--tls-key`, `--tls-client-ca`,
 * `--insecure`. A TCP listener needs a certificate or `--insecure`; none of them applies to a
 * unix socket. Checked and read by compileServerTls.
 */
export function serverTlsOptionSpecs() {
  return {
    tlsCert: {
      flag: 'tls-cert',
      key: 'tls.cert',
      default: '',
      defaultText: 'none',
      metavar: 'file',
      doc: "PEM file of the server's certificate (chain) for a TCP listener; needs --tls-key.",
      parse: parsePath,
    },
    tlsKey: {
      flag: 'tls-key',
      key: 'tls.key',
      default: '',
      defaultText: 'none',
      metavar: 'file',
      doc: 'PEM file of the private key of --tls-cert (unencrypted; keep it 0600).',
      parse: parsePath,
    },
    tlsClientCa: {
      flag: 'tls-client-ca',
      key: 'tls.clientCa',
      default: '',
      defaultText: 'none (client certificates are not asked for)',
      metavar: 'file',
      doc: 'PEM file of the CA certificate(s) that sign client certificates: when set, every client (worker or task CLI) must present one (mutual TLS).',
      parse: parsePath,
    },
    insecure: insecure(
      'Allow a plaintext TCP listener, with neither encryption nor authentication: for testing only (a warning is logged at every start). Not for unix sockets.',
    ),
  } satisfies Record<string, OptionSpec<unknown>>;
}
