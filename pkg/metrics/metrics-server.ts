import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './readiness.js';

export interface MetricsServerOptions {
  /** `host:port` (a bracketed IPv6 host is fine; port 0 takes any free port). */
  readonly address: string;
  /** The Prometheus text of /metrics, and its content type. */
  readonly metrics: () => Promise<string>;
  readonly contentType: string;
  /** Whether /readyz answers 200. */
  readonly readiness: () => Readiness;
}

export interface MetricsServer {
  /** `host:port` it listens on, with the real port when 0 was asked for. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * The HTTP server of --metrics-addr: GET (or HEAD) /healthz is 200 while the process is up,
 * /readyz 200 when `readiness` says so (with its warning, if any) and 503 with its reason otherwise, /metrics the
 * Prometheus text; anything else 404 (405 for other methods).
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = splitAddress(options.address);
  const server = createServer((request, response) => {
    void handle(options, request, response);
  });
  server.listen({ host, port });
  await once(server, 'listening');
  const bound = server.address() as AddressInfo;
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handle(options: MetricsServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const reply = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): void => {
    response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') return reply(404, 'not found\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return reply(405, 'method not allowed\n');
  }
  if (path === '/healthz') return reply(200, 'ok\n');
  if (path === '/readyz') {
    const readiness = options.readiness();
    if (!readiness.ready) return reply(503, `not ready: ${readiness.reason}\n`);
    return reply(200, readiness.warning === undefined ? 'ready\n' : `ready: ${readiness.warning}\n`);
  }
  try {
    reply(200, await options.metrics(), options.contentType);
  } catch (error) {
    reply(500, `metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** `127.0.0.1:9464` → host and port; `[::1]:9464` → `::1`. */
function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(address.slice(colon + 1)) };
}
