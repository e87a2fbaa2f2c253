// The web tools' network reaches the egress proxy and nothing else (#11), on the real engine and
// the real worker (createWorker: network, proxy, firewall, executor): an operator's tool on that
// network (test/fixtures/egress-tools.yaml) tries a port of the host other than the proxy's (a
// TCP listener of this test on 0.0.0.0, at the gateway and at docker0's address), another
// container on the same network, and the proxy without a token, with a forged one and with its
// own. Everything it is given is on this machine.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { Task } from '../../pkg/gen/agent/v1/agent.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createWorker, type WorkerParts } from '../../pkg/worker/create-worker.js';
import { docker, TOOLS_IMAGE } from '../support/docker-fixtures.js';
import { ROOT } from '../support/examples.js';
import { dockerBridgeAddress, PAGE_HTML, startWebServer, TEST_WEB_LABEL, type WebServer } from '../support/web-server.js';
import { silentLogger } from '../rpc/harness.js';

/** The network the fixture's probe joins (its `network:`). */
const NETWORK = 'baaaht-egress-probe';
const PEER_PORT = 8080;
const PEER_SERVER = String.raw`
use IO::Socket::INET; $| = 1;
my $s = IO::Socket::INET->new(LocalPort => ${PEER_PORT}, Listen => 16, ReuseAddr => 1) or die "listen: $!";
while (my $c = $s->accept) { print "HIT\n"; print $c "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nPEER-REACHED\n"; close $c; }
`;

interface Probe {
  readonly rc: number;
  readonly http: string;
  readonly connect: string;
  readonly body: string;
}

describe('the web tools network reaches the proxy and nothing else (real worker, real engine)', () => {
  const id = randomBytes(4).toString('hex');
  let workDir: string;
  let worker: WorkerParts;
  let pub: WebServer;
  let listener: Server;
  let hostPort: number;
  const hostHits: string[] = [];
  let peerId: string | undefined;
  let peerAddress: string;
  let peerHits = () => Promise.resolve(0);

  before(async () => {
    await docker.getNetwork(NETWORK).remove().catch(() => undefined); // a crashed run's
    workDir = await mkdtemp(join(tmpdir(), 'baaaht-egress-net-'));
    pub = await startWebServer();
    listener = createServer((socket: Socket) => {
      hostHits.push(socket.remoteAddress ?? '');
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 14\r\nConnection: close\r\n\r\nHOST-LISTENER\n');
    });
    await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
    hostPort = (listener.address() as { port: number }).port;

    const config = loadWorkerConfig({
      argv: ['--name', `egress-net-${id}`, '--config', join(ROOT, 'test/fixtures/egress-tools.yaml'), '--web-network', NETWORK, '--work-dir', workDir],
      env: {},
      homeDir: '/nonexistent',
      hostname: 'egress-net',
    });
    worker = await createWorker(config, silentLogger(), { tools: createBuiltinToolRegistry(config.tools), version: 'test', hostname: 'egress-net' });

    // Another container on the same network: what a web tool must not reach.
    const peer = await docker.createContainer({
      Image: TOOLS_IMAGE,
      Cmd: ['perl', '-e', PEER_SERVER],
      Labels: { [TEST_WEB_LABEL]: id },
      HostConfig: { NetworkMode: NETWORK, LogConfig: { Type: 'json-file', Config: {} }, Init: true },
    });
    peerId = peer.id;
    await peer.start();
    peerAddress = (await peer.inspect()).NetworkSettings.Networks[NETWORK]?.IPAddress ?? '';
    assert.ok(peerAddress, 'the peer has an address on the web network');
    peerHits = async () => ((await peer.logs({ stdout: true, stderr: false, follow: false })) as Buffer).toString().split('HIT').length - 1;
  });

  after(async () => {
    await worker?.egress?.close();
    await worker?.audit.close();
    if (peerId) await docker.getContainer(peerId).remove({ force: true }).catch(() => undefined);
    await pub?.close();
    await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
    await docker.getNetwork(NETWORK).remove().catch(() => undefined);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const runProbe = async (): Promise<Map<string, Probe>> => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const values = { gateway: worker.egress!.network.gateway, hostPort: String(hostPort), otherHost: dockerBridgeAddress(), peer: `${peerAddress}:${PEER_PORT}`, target: `${pub.origin}/page` };
    const outcome = await worker.executor.run(`egress-net-${randomBytes(4).toString('hex')}`, Task.fromPartial({ toolType: 'probe_web_network', params: { $case: 'custom', custom: { values } } }), {
      onProgress: (event) => void (event.type === 'output' && (event.stream === 'stdout' ? out : err).push(event.data)),
    });
    const text = Buffer.concat(out).toString();
    assert.equal(outcome.state, 'COMPLETED', `${JSON.stringify(outcome.error)} ${text} ${Buffer.concat(err).toString()}`);
    const probes = new Map<string, Probe>();
    for (const match of text.matchAll(/^([a-z-]+): rc=(\d+) http=(\d*) connect=(\d*) body=(.*)$/gm)) {
      probes.set(match[1]!, { rc: Number(match[2]), http: match[3]!, connect: match[4]!, body: match[5]! });
    }
    assert.match(text, /^proxy: given$/m, 'the worker handed the tool its proxy URL');
    assert.equal(probes.size, 9, text);
    return probes;
  };

  it('the network is internal, without inter-container traffic, and the web tools are offered', async () => {
    const info = (await docker.getNetwork(NETWORK).inspect()) as { Internal: boolean; Options: Record<string, string> };
    assert.equal(info.Internal, true);
    assert.equal(info.Options['com.docker.network.bridge.enable_icc'], 'false');
    assert.ok(worker.toolTypes.includes('probe_web_network') && worker.toolTypes.includes('fetch_url'), worker.toolTypes.join(' '));
  });

  it('from a web-network container only the proxy answers, and only with the task token', async () => {
    const served = pub.requests.length;
    const probes = await runProbe();
    const show = (name: string): string => `${name}: ${JSON.stringify(probes.get(name))}`;
    // No other port of the host, at the gateway or at any other of its addresses: refused at once.
    for (const name of ['host-port', 'other-host-address']) {
      assert.equal(probes.get(name)?.rc, 7, show(name)); // curl: could not connect (refused)
      assert.doesNotMatch(probes.get(name)?.body ?? '', /HOST-LISTENER/, show(name));
    }
    assert.deepEqual(hostHits, [], 'no connection reached the host listener');
    // No other container on the same network.
    assert.equal(probes.get('peer')?.rc, 7, show('peer'));
    assert.equal(await peerHits(), 0, 'no connection reached the peer');
    // The proxy without a token, or with one that is no running task's: 407, on CONNECT too.
    for (const name of ['proxy-without-token', 'proxy-forged-token']) {
      assert.equal(probes.get(name)?.http, '407', show(name));
      assert.match(probes.get(name)?.body ?? '', /needs the token of a running task/, show(name));
    }
    for (const name of ['connect-without-token', 'connect-forged-token']) assert.equal(probes.get(name)?.connect, '407', show(name));
    // With its own token: served, as plain request and through a tunnel.
    assert.deepEqual([probes.get('proxy-own-token')?.rc, probes.get('proxy-own-token')?.http], [0, '200'], show('proxy-own-token'));
    assert.equal(probes.get('proxy-own-token')?.body, PAGE_HTML.replace(/\n/g, '').slice(0, 100));
    assert.deepEqual([probes.get('connect-own-token')?.rc, probes.get('connect-own-token')?.connect, probes.get('connect-own-token')?.http], [0, '200', '200'], show('connect-own-token'));
    assert.deepEqual(pub.requests.slice(served), ['/page', '/page'], 'only the two requests with the own token reached the server');
  });
});
