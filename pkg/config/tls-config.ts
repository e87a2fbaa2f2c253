/**
 * TLS for a client of the orchestrator over TCP (the worker, the task CLI), compiled: the PEM
 * files' contents, read once at start.
 */
export interface ClientTlsConfig {
  /** CA certificates that verify the orchestrator's certificate; absent: the system's roots. */
  readonly caCert?: Buffer;
  /** Client certificate chain and its private key, for mutual TLS (both or neither). */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** The name the server's certificate must carry, instead of the host in the address. */
  readonly serverName?: string;
}

/** TLS of the orchestrator's TCP listener, compiled (PEM contents). */
export interface ServerTlsConfig {
  /** The server's certificate chain and private key. */
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When set, clients must present a certificate this CA signed (mutual TLS). */
  readonly clientCa?: Buffer;
}

/** The TLS files a client was told to use, as paths (not read yet); `''`-free: absent means unset. */
export interface ClientTlsFiles {
  readonly caCert?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly serverName?: string;
}
