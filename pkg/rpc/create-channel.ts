import { isAbsolute } from 'node:path';
import { createChannel, type Channel, type ChannelOptions } from 'nice-grpc';
import type { ClientTlsConfig } from '../config/tls-config.js';
import { createChannelCredentials } from './create-channel-credentials.js';

/** A gRPC endpoint: a Unix-domain socket (absolute path) or a TCP `host:port`. */
export type GrpcAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export interface GrpcChannelOptions {
  readonly maxRecvMsgSize: number;
  readonly maxSendMsgSize: number;
  /** TLS to a TCP address. A TCP address needs this or `insecure`; a unix socket takes neither. */
  readonly tls?: ClientTlsConfig | undefined;
  /** Plaintext TCP (testing only). */
  readonly insecure?: boolean | undefined;
}

/**
 * Keepalive for a long-lived stream: ping every 30 s even without calls, drop the connection
 * when a ping goes unanswered for 10 s. The reference orchestrator (grpc-js) does not police
 * client pings, and a Go server's default minimum of 5 s is respected.
 */
export const CLIENT_KEEPALIVE_OPTIONS = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  // HTTP/2's default 64 KiB receive window caps a stream at one window per round trip: task
  // output coming to a client would crawl at tens of MiB/s.
  'grpc-node.flow_control_window': 16 * 1024 * 1024,
} as const satisfies ChannelOptions;

/**
 * Parses `unix:///abs/path`, `unix:/abs/path` or `host:port` (`[v6]:port` for IPv6).
 * Throws an Error naming the address for anything else.
 */
export function parseAddress(addr: string): GrpcAddress {
  const fail = (why: string): never => {
    throw new Error(`invalid gRPC address ${JSON.stringify(addr)}: ${why}`);
  };
  if (addr.trim() !== addr || addr === '') fail('expected unix:///abs/path, unix:/abs/path or host:port');
  if (addr.startsWith('unix:')) {
    const rest = addr.slice('unix:'.length);
    let path: string;
    if (rest.startsWith('//')) {
      // unix://AUTHORITY/path: only an empty authority is meaningful.
      if (!rest.startsWith('///')) fail('a unix address has no host; use unix:///abs/path');
      path = rest.slice(2);
    } else {
      path = rest;
    }
    if (path === '' || !isAbsolute(path)) fail('the socket path must be absolute');
    if (path.includes('\0')) fail('the socket path contains a NUL byte');
    return { kind: 'unix', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(addr)) {
    fail('unsupported scheme; expected unix:///abs/path, unix:/abs/path or host:port');
  }
  let host: string;
  let portText: string;
  const v6 = /^\[([0-9a-f:.%a-z]+)\]:(\d+)$/i.exec(addr);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else {
    const m = /^([a-z0-9.-]+):(\d+)$/i.exec(addr);
    if (!m) return fail('expected unix:///abs/path, unix:/abs/path or host:port');
    host = m[1]!;
    portText = m[2]!;
  }
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`port ${portText} is out of range`);
  return { kind: 'tcp', host, port };
}

/** The target string grpc-js understands for an address (`unix:///abs` or `host:port`). */
export function formatGrpcTarget(address: GrpcAddress): string {
  if (address.kind === 'unix') return `unix://${address.path}`;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/**
 * A channel with message limits and keepalive set: plaintext on a unix socket; on TCP, TLS with
 * `options.tls`, or plaintext only with `options.insecure` (anything else throws, naming the fix).
 */
export function createGrpcChannel(addr: string, options: GrpcChannelOptions): Channel {
  const address = parseAddress(addr);
  const target = formatGrpcTarget(address);
  if (address.kind === 'unix' && (options.tls !== undefined || options.insecure === true)) {
    throw new Error(`TLS and insecure apply to TCP addresses only; ${addr} is a unix socket`);
  }
  if (address.kind === 'tcp' && options.tls !== undefined && options.insecure === true) {
    throw new Error(`${addr}: choose TLS or insecure, not both`);
  }
  if (address.kind === 'tcp' && options.tls === undefined && options.insecure !== true) {
    throw new Error(`${addr} is a TCP address: it needs TLS (a CA certificate, or a client certificate) or an explicit insecure (testing only)`);
  }
  const secure = options.tls === undefined ? undefined : createChannelCredentials(options.tls);
  return createChannel(target, secure?.credentials, {
    ...secure?.options,
    ...CLIENT_KEEPALIVE_OPTIONS,
    'grpc.max_receive_message_length': options.maxRecvMsgSize,
    'grpc.max_send_message_length': options.maxSendMsgSize,
  });
}
