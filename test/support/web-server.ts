// A small HTTP server of the tests' own, reachable from containers on Docker's default bridge.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';

/**
 * The host's address on docker0, where containers on the default bridge reach it. Read with
 * `ip` because Node lists no address for the bridge while no container is attached (link down).
 */
export function dockerBridgeAddress(): string {
  const text = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', 'docker0'], { encoding: 'utf8' });
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(text)?.[1];
  if (!address) throw new Error('no IPv4 address on docker0: is the Docker engine running?');
  return address;
}

export interface WebServer {
  /** e.g. `http://172.17.0.1:40123` */
  readonly origin: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export const PAGE_HTML = '<!doctype html><title>baaaht test page</title><p>Hello from the test server.</p>\n';

export async function startWebServer(): Promise<WebServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    requests.push(url.pathname + url.search);
    if (url.pathname === '/page') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE_HTML);
    } else if (url.pathname === '/slow') {
      setTimeout(() => res.writeHead(200).end('slow answer\n'), 1500);
    } else if (url.pathname === '/search') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`results for: ${url.searchParams.get('q') ?? ''}\n`);
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { location: '/page' }).end();
    } else {
      res.writeHead(404).end('not here\n');
    }
  });
  const host = dockerBridgeAddress();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
