// A small HTTP server of the tests' own, in a container on a Docker network of the tests' own:
// what the web tools fetch, through the worker's egress proxy. Never on the host (the proxy
// refuses the host's addresses).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import type { Duplex } from 'node:stream';
import { docker, TOOLS_IMAGE } from './docker-fixtures.js';

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
  /** e.g. `http://203.0.113.34:8080` */
  readonly origin: string;
  /** The container's address, and its network's name and subnet. */
  readonly address: string;
  readonly network: string;
  readonly subnet: string;
  /** Path and query of every request, in order (printed by the server before it answers). */
  readonly requests: string[];
  close(): Promise<void>;
}

export const PAGE_HTML = '<!doctype html><title>baaaht test page</title><p>Hello from the test server.</p>\n';

/** Label on every network and container these servers make (cleanup, and a reaper of leftovers). */
export const TEST_WEB_LABEL = 'io.baaaht.test-web';
const PORT = 8080;

/**
 * The server (perl-base of the tools image, one process per connection). Paths: /page,
 * /slow (1.5 s), /search?q=, /redirect (to /page), /to?u=URL (302 to URL), /big?n=BYTES (no
 * Content-Length), /stall (headers, then nothing), /drip?k=KEY ("first part", then "second part"
 * once /release?k=KEY was requested, or after 20 s), /ready; anything else 404.
 */
const SERVER = String.raw`
use strict; use IO::Socket::INET;
$SIG{CHLD} = 'IGNORE'; $| = 1;
my $page = $ENV{PAGE};
my $s = IO::Socket::INET->new(LocalPort => ${PORT}, Listen => 64, ReuseAddr => 1) or die "listen: $!";
while (1) {
  my $c = $s->accept or next;
  my $pid = fork;
  if (!defined $pid || $pid) { close $c; next; }
  my $line = <$c>; exit 0 unless defined $line;
  while (my $h = <$c>) { last if $h =~ /^\r?\n$/; }
  my ($target) = $line =~ /^\S+ (\S+)/; $target //= '/';
  print "REQ $target\n" unless $target eq '/ready';
  my ($path, $query) = split /\?/, $target, 2; $query //= '';
  my %p; for (split /&/, $query) { my ($k, $v) = split /=/, $_, 2; $v //= ''; $v =~ tr/+/ /; $v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; $p{$k} = $v; }
  my $reply = sub { my ($status, $type, $body, @more) = @_;
    print $c "HTTP/1.1 $status\r\nContent-Type: $type\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n" . join('', map { "$_\r\n" } @more) . "\r\n$body"; };
  if ($path eq '/page') { $reply->('200 OK', 'text/html', $page); }
  elsif ($path eq '/ready') { $reply->('200 OK', 'text/plain', "ready\n"); }
  elsif ($path eq '/slow') { select(undef, undef, undef, 1.5); $reply->('200 OK', 'text/plain', "slow answer\n"); }
  elsif ($path eq '/search') { $reply->('200 OK', 'text/plain', "results for: $p{q}\n"); }
  elsif ($path eq '/redirect') { $reply->('302 Found', 'text/plain', '', 'Location: /page'); }
  elsif ($path eq '/to') { $reply->('302 Found', 'text/plain', '', "Location: $p{u}"); }
  elsif ($path eq '/big') {
    print $c "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
    my $left = $p{n} // 0; my $chunk = 'x' x 65536;
    while ($left > 0) { my $n = $left < 65536 ? $left : 65536; print $c substr($chunk, 0, $n) or last; $left -= $n; }
  }
  elsif ($path eq '/drip') {
    my $k = $p{k} // ''; $k =~ s/[^a-z0-9]//g;
    print $c "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nfirst part\n";
    for (1 .. 200) { last if -e "/tmp/release-$k"; select(undef, undef, undef, 0.1); }
    print $c "second part\n";
  }
  elsif ($path eq '/release') { my $k = $p{k} // ''; $k =~ s/[^a-z0-9]//g; open(my $f, '>', "/tmp/release-$k"); close $f; $reply->('200 OK', 'text/plain', "released\n"); }
  elsif ($path eq '/stall') { print $c "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstarted\n"; sleep 600; }
  else { $reply->('404 Not Found', 'text/plain', "not here\n"); }
  close $c; exit 0;
}
`;

/**
 * Starts the server in a container on a new Docker network. `public` (the default) puts it in a
 * /28 of 203.0.113.0/24 (TEST-NET-3: a documentation range, which the egress proxy treats as
 * the public internet it stands in for); `private` lets Docker pick a private subnet (172.x or
 * 192.168.x), which the proxy refuses unless the policy allows it.
 */
export async function startWebServer(options: { range?: 'public' | 'private' } = {}): Promise<WebServer> {
  const id = randomBytes(4).toString('hex');
  const name = `baaaht-test-web-${id}`;
  const labels = { [TEST_WEB_LABEL]: id };
  let network;
  for (let attempt = 0; ; attempt++) {
    const block = (randomBytes(1)[0]! & 0xf0) % 256;
    const ipam = options.range === 'private' ? {} : { IPAM: { Config: [{ Subnet: `203.0.113.${block}/28`, Gateway: `203.0.113.${block + 1}` }] } };
    try {
      network = await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, ...ipam });
      break;
    } catch (error) {
      // Another test's server may hold that block: try another.
      if (attempt >= 15 || !/overlap/i.test(String((error as Error).message))) throw error;
    }
  }
  const requests: string[] = [];
  let container;
  try {
    container = await docker.createContainer({
      name,
      Image: TOOLS_IMAGE,
      Cmd: ['perl', '-e', SERVER],
      Env: [`PAGE=${PAGE_HTML}`],
      Labels: labels,
      HostConfig: { NetworkMode: name, LogConfig: { Type: 'none', Config: {} }, Init: true },
    });
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Duplex;
    stream.on('error', () => undefined); // cut when the container is removed
    let pending = '';
    docker.modem.demuxStream(stream, { write: (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('REQ ')) requests.push(line.slice(4));
      return true;
    } } as unknown as NodeJS.WritableStream, process.stderr);
    await container.start();
    const info = await container.inspect();
    const address = info.NetworkSettings.Networks[name]?.IPAddress ?? '';
    const subnet = ((await network.inspect()) as { IPAM: { Config: Array<{ Subnet: string }> } }).IPAM.Config[0]!.Subnet;
    const origin = `http://${address}:${PORT}`;
    await waitReady(`${origin}/ready`);
    const made = container;
    return {
      origin,
      address,
      network: name,
      subnet,
      requests,
      close: async () => {
        await made.remove({ force: true }).catch(() => undefined);
        await network.remove().catch(() => undefined);
      },
    };
  } catch (error) {
    await container?.remove({ force: true }).catch(() => undefined);
    await network.remove().catch(() => undefined);
    throw error;
  }
}

/** Polls the server from the host (which reaches containers on its bridges) until it answers. */
/** A GET from the host straight to the server (not through any proxy): true on 200. */
export function requestOk(url: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const req = get(url, { timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await requestOk(url);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`test web server at ${url} did not answer`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
