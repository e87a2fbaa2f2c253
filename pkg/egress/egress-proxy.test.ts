import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseAuthority, startEgressProxy, type EgressProxy } from './egress-proxy.js';

const TOKEN = 'a1b2c3d4e5f6a1b2c3d4e5f6';
const basic = (user: string): string => `Basic ${Buffer.from(`${user}:x`).toString('base64')}`;

describe('startEgressProxy refusals (no upstream is ever reached)', () => {
  let proxy: EgressProxy;
  let rules = { allowHosts: [] as string[], allowCidrs: [] as string[], domains: [] as string[] };
  before(async () => {
    proxy = await startEgressProxy({
      host: '127.0.0.1',
      rules: () => rules,
      maxResponseBytes: 1024,
      idleTimeoutMs: 1_000,
      maxConnectionMs: 2_000,
      deps: { lookup: async () => [{ address: '10.9.9.9' }], hostAddresses: async () => [] },
    });
    proxy.registerToken(TOKEN);
  });
  after(() => proxy.close());

  const get = (path: string, auth: string | null = basic(TOKEN)): Promise<{ status: number; body: string; rule: string; challenge: string }> =>
    new Promise((resolve, reject) => {
      const headers = auth === null ? {} : { 'proxy-authorization': auth };
      const req = request({ host: '127.0.0.1', port: proxy.port, path, agent: false, headers }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, rule: String(res.headers['x-baaaht-egress'] ?? ''), challenge: String(res.headers['proxy-authenticate'] ?? '') }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  const tunnel = (authority: string, auth: string | null = basic(TOKEN)): Promise<string> =>
    new Promise((resolve, reject) => {
      const header = auth === null ? '' : `Proxy-Authorization: ${auth}\r\n`;
      const socket = connect(proxy.port, '127.0.0.1', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${header}\r\n`));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });

  const cases: Array<[path: string, status: number, rule: string, body: RegExp]> = [
    ['http://127.0.0.1:9/x', 403, 'egress: loopback', /refused 127\.0\.0\.1:9: 127\.0\.0\.1, a loopback address/],
    ['http://169.254.169.254/latest', 403, 'egress: metadata', /metadata/],
    ['http://db.example/', 403, 'egress: private', /db\.example resolves to 10\.9\.9\.9/],
    ['http://[::1]:8080/', 403, 'egress: loopback', /::1/],
    ['https://example.com/', 400, 'request', /use CONNECT/],
    ['/relative', 400, 'request', /absolute-form/],
  ];
  for (const [path, status, rule, body] of cases) {
    it(`GET ${path} → ${status} ${rule}`, async () => {
      const r = await get(path);
      assert.deepEqual([r.status, r.rule], [status, rule]);
      assert.match(r.body, /^baaaht egress proxy: /);
      assert.match(r.body, body);
    });
  }
  it('refuses CONNECT to blocked targets and malformed authorities', async () => {
    assert.match(await tunnel('169.254.169.254:443'), /^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*x-baaaht-egress: egress: metadata[\s\S]*refused 169\.254\.169\.254:443/);
    assert.match(await tunnel('[::1]:443'), /^HTTP\/1\.1 403 /);
    assert.match(await tunnel('db.example:443'), /^HTTP\/1\.1 403 [\s\S]*10\.9\.9\.9/);
  });
  // #11: only a running task's own container, which alone was handed its token, may use the proxy.
  const unauthorized: Array<[what: string, auth: string | null]> = [
    ['no Proxy-Authorization', null],
    ['an unknown (forged) token', basic('f0f0f0f0f0f0f0f0f0f0f0f0')],
    ['a token with no user name', 'Basic ' + Buffer.from(`:${TOKEN}`).toString('base64')],
    ['another scheme', `Bearer ${TOKEN}`],
    ['a malformed header', 'Basic !!!'],
  ];
  for (const [what, auth] of unauthorized) {
    it(`answers 407 to a request with ${what}, before judging its target, also on CONNECT`, async () => {
      proxy.takeRefusals(TOKEN); // what the cases above left
      for (const path of ['http://203.0.113.9/page', 'http://169.254.169.254/latest']) {
        const r = await get(path, auth);
        assert.deepEqual([r.status, r.rule, r.challenge], [407, 'token', 'Basic realm="baaaht-egress"'], path);
        assert.match(r.body, /^baaaht egress proxy: a request through this proxy needs the token of a running task/);
      }
      assert.match(await tunnel('203.0.113.9:443', auth), /^HTTP\/1\.1 407 Proxy Authentication Required\r\n[\s\S]*proxy-authenticate: Basic realm="baaaht-egress"\r\n[\s\S]*needs the token of a running task/);
      assert.deepEqual(proxy.takeRefusals(TOKEN), [], 'nothing was judged, so nothing was refused for the real token');
    });
  }
  it('a dropped token is refused (407) like one never registered; a registered one is served', async () => {
    const other = '0123456789abcdef01234567';
    assert.equal((await get('http://169.254.169.254/', basic(other))).status, 407);
    proxy.registerToken(other);
    assert.equal((await get('http://169.254.169.254/', basic(other))).status, 403, 'served: judged and refused by the rules');
    assert.equal(proxy.takeRefusals(other).length, 1);
    proxy.dropToken(other);
    assert.equal((await get('http://169.254.169.254/', basic(other))).status, 407);
    assert.match(await tunnel('169.254.169.254:443', basic(other)), /^HTTP\/1\.1 407 /);
    assert.deepEqual(proxy.takeRefusals(other), []);
  });
  it('reads the rules for every request', async () => {
    rules = { ...rules, domains: ['only.example'] };
    try {
      assert.equal((await get('http://db.example/')).rule, 'egress.domains');
    } finally {
      rules = { ...rules, domains: [] };
    }
  });
});

describe('parseAuthority', () => {
  const cases: Array<[text: string, expected: { host: string; port: number } | undefined]> = [
    ['example.com:443', { host: 'example.com', port: 443 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    ['10.0.0.1:8080', { host: '10.0.0.1', port: 8080 }],
    ['example.com', undefined],
    ['::1:443', undefined],
    ['user@example.com:443', undefined],
    ['example.com:443/x', undefined],
    ['example.com:123456', undefined],
  ];
  for (const [text, expected] of cases) it(`${text}`, () => assert.deepEqual(parseAuthority(text), expected));
});
