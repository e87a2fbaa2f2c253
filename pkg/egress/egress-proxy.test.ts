import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseAuthority, startEgressProxy, type EgressProxy } from './egress-proxy.js';

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
  });
  after(() => proxy.close());

  const get = (path: string): Promise<{ status: number; body: string; rule: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: proxy.port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, rule: String(res.headers['x-baaaht-egress'] ?? '') }));
      });
      req.on('error', reject);
      req.end();
    });
  const tunnel = (authority: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(proxy.port, '127.0.0.1', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
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
