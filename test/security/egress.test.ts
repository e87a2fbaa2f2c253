// Egress control of the web tools, on the real engine: fetch_url runs through the real executor
// and container runner, in a container on an internal network whose only way out is the egress
// proxy. The targets are the tests' own HTTP servers in containers on the tests' own networks,
// and the host itself (which must be refused). Nothing here reaches outside this machine.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { startEgressProxy } from '../../pkg/egress/index.js';
import { Task } from '../../pkg/gen/agent/v1/agent.js';
import { parsePolicy, type Policy } from '../../pkg/policy/index.js';
import { DockerEngine } from '../../pkg/runtime/index.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createExecutorFor, type TaskExecutor, type RunOutcome } from '../../pkg/worker/index.js';
import { startWebEgress, type WebEgress } from '../../pkg/worker/start-web-egress.js';
import { docker, managedContainers } from '../support/docker-fixtures.js';
import { dockerBridgeAddress, PAGE_HTML, startWebServer, type WebServer } from '../support/web-server.js';
import { MiB, silentLogger } from '../rpc/harness.js';

const MAX_FETCH = 1 * MiB;

describe('egress control of the web tools (real engine, real proxy)', () => {
  const id = randomBytes(4).toString('hex');
  const networkName = `baaaht-egress-test-${id}`;
  let pub: WebServer; // in 203.0.113.0/24: the public internet stand-in
  let allowed: WebServer; // a private subnet the policy allows
  let refused: WebServer; // a private subnet the policy does not allow
  let egress: WebEgress;
  let executor: TaskExecutor;
  const policy: { current: Policy } = { current: parsePolicy('', 'none') };
  let basePolicy: Policy;

  before(async () => {
    [pub, allowed, refused] = await Promise.all([startWebServer(), startWebServer({ range: 'private' }), startWebServer({ range: 'private' })]);
    basePolicy = parsePolicy(`egress: {allowCidrs: [${allowed.subnet}]}`, 'test policy');
    policy.current = basePolicy;
    const config = loadWorkerConfig({
      argv: ['--name', `egress-test-${id}`, '--web-network', networkName, '--max-fetch-bytes', String(MAX_FETCH)],
      env: {},
      homeDir: '/nonexistent',
      hostname: 'egress',
    });
    const engine = new DockerEngine(config.dockerSocket, config.rpcTimeoutMs);
    const tools = createBuiltinToolRegistry(config.tools);
    const started = await startWebEgress(engine, tools, config, () => policy.current.egress, silentLogger());
    assert.ok(started, 'the web tools get an egress proxy');
    egress = started;
    const runtimes = await engine.runtimes();
    executor = createExecutorFor(config, engine, tools, runtimes.default, silentLogger(), { policy, egress: egress.proxy });
  });

  after(async () => {
    await egress?.close();
    await Promise.all([pub?.close(), allowed?.close(), refused?.close()]);
    await docker.getNetwork(networkName).remove().catch(() => undefined);
  });

  const fetchUrl = async (url: string, timeoutMs = 0): Promise<RunOutcome & { out: string; err: string }> => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const outcome = await executor.run(
      `egress-${randomBytes(4).toString('hex')}`,
      Task.fromPartial({ toolType: 'fetch_url', timeoutMs, params: { $case: 'fetchUrl', fetchUrl: { url } } }),
      { onProgress: (event) => void (event.type === 'output' && (event.stream === 'stdout' ? out : err).push(event.data)) },
    );
    return { ...outcome, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() };
  };

  /** curl failed on the proxy's 403, and the task fails POLICY_DENIED with the proxy's reason. */
  const assertRefused = (r: Awaited<ReturnType<typeof fetchUrl>>, reason: RegExp): void => {
    assert.equal(r.state, 'FAILED', r.err);
    assert.equal(r.cause, 'POLICY_DENIED', JSON.stringify(r.error));
    assert.notEqual(r.exitCode, 0, `curl fails: ${r.out}`);
    assert.match(r.out, /^baaaht egress proxy: refused /m, r.err);
    assert.match(r.out, reason);
    assert.match(r.error?.message ?? '', /the egress policy refused/);
    assert.match(r.error?.message ?? '', reason);
  };

  it('the network is internal and labelled, and the proxy listens on its gateway', async () => {
    const info = (await docker.getNetwork(networkName).inspect()) as { Internal: boolean; Labels: Record<string, string> };
    assert.equal(info.Internal, true);
    assert.equal(info.Labels['io.baaaht.managed-by'], 'baaaht-worker');
    assert.equal(new URL(egress.proxy.url).hostname, egress.network.gateway);
  });

  it('fetches a public server and a private server the policy allows, following redirects', async () => {
    const p = await fetchUrl(`${pub.origin}/redirect`);
    assert.equal(p.exitCode, 0, p.err);
    assert.equal(p.out, PAGE_HTML);
    const a = await fetchUrl(`${allowed.origin}/page`);
    assert.equal(a.exitCode, 0, a.err);
    assert.equal(a.out, PAGE_HTML);
    assert.ok(allowed.requests.includes('/page'));
  });

  it('refuses a private server the policy does not allow, before any byte reaches it', async () => {
    assertRefused(await fetchUrl(`${refused.origin}/page`), new RegExp(`${refused.address.replaceAll('.', '\\.')}, a private address the policy does not allow`));
    assert.deepEqual(refused.requests, []);
  });

  it("refuses the host: the egress gateway, docker0, loopback, localhost and the host's other addresses", async () => {
    const own = Object.values(networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal).map((i) => i!.address);
    const targets = [egress.network.gateway, dockerBridgeAddress(), '127.0.0.1', ...own];
    for (const address of targets) {
      const r = await fetchUrl(`http://${address}:8080/page`);
      assert.match(r.out, /which is never reached/, `${address}: ${r.out} ${r.err}`);
      assertRefused(r, /which is never reached/);
    }
    assertRefused(await fetchUrl('http://localhost:8080/'), /localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    assertRefused(await fetchUrl('http://0.0.0.0:8080/'), /unspecified/);
  });

  it('refuses cloud metadata and link-local addresses', async () => {
    assertRefused(await fetchUrl('http://169.254.169.254/latest/meta-data/'), /169\.254\.169\.254, a metadata address/);
    assertRefused(await fetchUrl('http://169.254.1.1/'), /link-local/);
  });

  it('refuses https through CONNECT the same way (curl names the 403)', async () => {
    const r = await fetchUrl('https://127.0.0.1/');
    assert.notEqual(r.exitCode, 0);
    assert.match(r.err, /CONNECT tunnel failed, response 403/);
    assert.equal(r.cause, 'POLICY_DENIED', 'the CONNECT carried the task token too');
    assert.match(r.error?.message ?? '', /127\.0\.0\.1:443/);
    const m = await fetchUrl('https://169.254.169.254/');
    assert.match(m.err, /response 403/);
  });

  it('checks every redirect: an allowed server cannot send curl to the host, metadata or a refused network', async () => {
    const before = pub.requests.length;
    for (const [to, reason] of [
      ['http://127.0.0.1:8080/page', /loopback/],
      ['http://169.254.169.254/latest/meta-data/', /metadata/],
      [`http://${dockerBridgeAddress()}:8080/page`, /never reached/],
      [`http://${refused.address}:8080/page`, /private address the policy does not allow/],
      [`https://${egress.network.gateway}/`, undefined],
    ] as const) {
      const r = await fetchUrl(`${pub.origin}/to?u=${encodeURIComponent(to)}`);
      assert.notEqual(r.exitCode, 0, `redirect to ${to} fails`);
      if (reason) assertRefused(r, reason);
      else assert.match(r.err, /response 403/);
    }
    assert.equal(pub.requests.length - before, 5, 'the first hop of each reached the allowed server');
    assert.deepEqual(refused.requests, []);
  });

  it('enforces the domain allowlist, and a policy change applies to the next request without restart', async () => {
    try {
      policy.current = parsePolicy(`egress: {domains: [only.example], allowCidrs: [${allowed.subnet}]}`, 'test policy');
      assertRefused(await fetchUrl(`${pub.origin}/page`), /is not in the policy's egress\.domains/);
      policy.current = parsePolicy(`egress: {domains: [only.example, "${pub.address}"]}`, 'test policy');
      assert.equal((await fetchUrl(`${pub.origin}/page`)).out, PAGE_HTML, 'an IP listed in domains may be fetched');
      assertRefused(await fetchUrl(`${allowed.origin}/page`), /egress\.domains/);
    } finally {
      policy.current = basePolicy;
    }
    assert.equal((await fetchUrl(`${pub.origin}/page`)).out, PAGE_HTML);
  });

  it('cuts a response past its byte cap (no Content-Length, so curl cannot refuse it up front)', async () => {
    const r = await fetchUrl(`${pub.origin}/big?n=${4 * MiB}`);
    assert.notEqual(r.exitCode, 0, 'curl reports the cut transfer');
    assert.ok(r.out.length > 0 && r.out.length <= MAX_FETCH + MiB, `got ${r.out.length} bytes`);
    assert.equal(r.stdoutTruncated, false, 'the proxy cut it, not the output cap');
  });

  it('a stalling server ends with the task at its timeout', async () => {
    const started = Date.now();
    const r = await fetchUrl(`${pub.origin}/stall`, 3_000);
    assert.equal(r.state, 'TIMEOUT');
    assert.ok(Date.now() - started < 8_000, `ended after ${Date.now() - started} ms`);
  });

  it('the proxy itself closes a stalled connection at its idle timeout, whatever the client does', async () => {
    const proxy = await startEgressProxy({
      host: egress.network.gateway,
      rules: () => policy.current.egress,
      maxResponseBytes: MiB,
      idleTimeoutMs: 1_000,
      maxConnectionMs: 10_000,
    });
    const token = randomBytes(12).toString('hex');
    proxy.registerToken(token);
    try {
      const started = Date.now();
      const body = await new Promise<string>((resolve) => {
        const { port } = new URL(proxy.url);
        const headers = { 'proxy-authorization': `Basic ${Buffer.from(`${token}:x`).toString('base64')}` };
        const req = request({ host: egress.network.gateway, port, path: `${pub.origin}/stall`, agent: false, headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('close', () => resolve(text));
        });
        req.on('error', () => resolve('error'));
        req.end();
      });
      const took = Date.now() - started;
      assert.match(body, /started/);
      assert.ok(took >= 900 && took < 4_000, `closed after ${took} ms`);
    } finally {
      await proxy.close();
    }
  });

  it('leaves no task container behind', async () => {
    const left = (await managedContainers()).filter((c) => c.Labels['io.baaaht.worker-id'] === `egress-test-${id}`);
    assert.deepEqual(left, []);
  });
});
