import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EgressRules } from '../policy/policy.js';
import { checkTarget, type CheckTargetDeps } from './check-target.js';
import { parseIp } from './ip-address.js';

const DNS: Record<string, string[]> = {
  'example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'mixed.example': ['93.184.215.14', '10.0.0.5'],
  localhost: ['127.0.0.1', '::1'],
  'metadata.example': ['169.254.169.254'],
  'search.internal': ['10.20.1.5'],
  'a.corp.example': ['192.168.7.7'],
  'self.example': ['192.0.2.2'],
  'zero.example': ['0.0.0.0'],
};
const deps: CheckTargetDeps = {
  lookup: async (host) => {
    const found = DNS[host];
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address }));
  },
  hostAddresses: async () => [parseIp('192.0.2.2')!, parseIp('172.17.0.1')!],
};
const NONE: EgressRules = { allowHosts: [], allowCidrs: [], domains: [] };
const ALLOWING: EgressRules = { allowHosts: ['search.internal', '*.corp.example', 'localhost', 'self.example'], allowCidrs: ['10.0.0.0/8', '127.0.0.0/8', '172.16.0.0/12', '0.0.0.0/8'], domains: [] };

describe('checkTarget', () => {
  const cases: Array<[name: string, host: string, rules: EgressRules, expected: string]> = [
    ['a public name', 'example.com', NONE, 'allow 93.184.215.14'],
    ['a public address', '8.8.8.8', NONE, 'allow 8.8.8.8'],
    ['a name with one private address among public ones', 'mixed.example', NONE, 'deny egress: private'],
    ['localhost', 'localhost', NONE, 'deny egress: loopback'],
    ['localhost, even when allowed by name and network', 'localhost', ALLOWING, 'deny egress: loopback'],
    ['127.0.0.1', '127.0.0.1', NONE, 'deny egress: loopback'],
    ['::1', '::1', NONE, 'deny egress: loopback'],
    ['an IPv4-mapped loopback', '::ffff:127.0.0.1', NONE, 'deny egress: loopback'],
    ['0.0.0.0, even when allowed', '0.0.0.0', ALLOWING, 'deny egress: unspecified'],
    ['a name for 0.0.0.0', 'zero.example', NONE, 'deny egress: unspecified'],
    ['cloud metadata', '169.254.169.254', NONE, 'deny egress: metadata'],
    ['a name for cloud metadata', 'metadata.example', NONE, 'deny egress: metadata'],
    ['link-local', '169.254.3.4', NONE, 'deny egress: link-local'],
    ['a private address', '10.20.1.5', NONE, 'deny egress: private'],
    ['a private address allowed by network', '10.20.1.5', ALLOWING, 'allow 10.20.1.5'],
    ['a private name allowed by name', 'search.internal', { ...NONE, allowHosts: ['search.internal'] }, 'allow 10.20.1.5'],
    ['a private name allowed by suffix', 'a.corp.example', { ...NONE, allowHosts: ['*.corp.example'] }, 'allow 192.168.7.7'],
    ['a private name not allowed', 'a.corp.example', { ...NONE, allowHosts: ['search.internal'] }, 'deny egress: private'],
    ['a private address outside the allowed network', '10.20.1.5', { ...NONE, allowCidrs: ['10.30.0.0/16'] }, 'deny egress: private'],
    ["the host's own (public-looking) address", '192.0.2.2', NONE, 'deny host'],
    ["the host's docker0 address, even when its network is allowed", '172.17.0.1', ALLOWING, 'deny host'],
    ["a name for the host's address, even when allowed by name", 'self.example', ALLOWING, 'deny host'],
    ['a name not in the domain list', 'example.com', { ...NONE, domains: ['*.example.org'] }, 'deny egress.domains'],
    ['a name in the domain list', 'example.com', { ...NONE, domains: ['example.com'] }, 'allow 93.184.215.14'],
    ['an address when a domain list is set', '8.8.8.8', { ...NONE, domains: ['example.com'] }, 'deny egress.domains'],
    ['a domain-listed name that resolves privately', 'a.corp.example', { ...NONE, domains: ['*.corp.example'] }, 'deny egress: private'],
    ['a name that does not resolve', 'nowhere.example', NONE, 'deny dns'],
  ];
  for (const [name, host, rules, expected] of cases) {
    it(`${name}: ${expected}`, async () => {
      const verdict = await checkTarget({ host, port: 80 }, rules, deps);
      assert.equal(verdict.allowed ? `allow ${verdict.address}` : `deny ${verdict.rule}`, expected, verdict.allowed ? '' : verdict.reason);
    });
  }
  it('names the host and the address in a refusal, 502 for DNS', async () => {
    const verdict = await checkTarget({ host: 'metadata.example', port: 80 }, NONE, deps);
    assert.ok(!verdict.allowed && verdict.status === 403 && verdict.reason.includes('metadata.example resolves to 169.254.169.254'));
    const dns = await checkTarget({ host: 'nowhere.example', port: 80 }, NONE, deps);
    assert.ok(!dns.allowed && dns.status === 502 && /ENOTFOUND/.test(dns.reason));
  });
  it('refuses port 0 and ports past 65535', async () => {
    for (const port of [0, 65536]) assert.equal((await checkTarget({ host: 'example.com', port }, NONE, deps)).allowed, false);
  });
});
