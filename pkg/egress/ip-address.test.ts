import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCidr, formatIp, networkContains, parseCidr, parseIp, unmapIpv4 } from './ip-address.js';

describe('parseIp and formatIp', () => {
  const cases: Array<[text: string, canonical: string | undefined]> = [
    ['10.1.2.3', '10.1.2.3'],
    ['0.0.0.0', '0.0.0.0'],
    ['::1', '::1'],
    ['::', '::'],
    ['FE80::1%eth0', 'fe80::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['64:ff9b::10.0.0.1', '64:ff9b::a00:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    // IPv4-compatible: `::a.b.c.d` is ::/96 (RFC 4291, as Node and the kernel read it), not IPv4-mapped.
    ['::127.0.0.1', '::7f00:1'],
    ['::1.2.3.4%eth0', '::102:304'],
    ['::ffff:0:1.2.3.4', '::ffff:0:102:304'],
    // Forms only a lax parser accepts.
    ['0x7f.1', undefined],
    ['127.1', undefined],
    ['::ffff:1.2.3', undefined],
    ['1::2::3', undefined],
    ['::ffff:010.0.0.1', undefined],
    ['localhost', undefined],
    ['[::1]', undefined],
    ['010.1.2.3', undefined],
    ['1.2.3', undefined],
    ['256.1.1.1', undefined],
    ['', undefined],
  ];
  for (const [text, canonical] of cases) {
    it(`${JSON.stringify(text)} → ${canonical ?? 'not an address'}`, () => {
      const address = parseIp(text);
      assert.equal(address === undefined ? undefined : formatIp(address), canonical);
    });
  }
});

describe('parseCidr and networkContains', () => {
  const cases: Array<[cidr: string, address: string, contained: boolean]> = [
    ['10.0.0.0/8', '10.255.0.1', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['172.16.0.0/12', '172.31.255.255', true],
    ['172.16.0.0/12', '172.32.0.0', false],
    ['10.1.2.7/24', '10.1.2.200', true],
    ['10.1.2.3', '10.1.2.3', true],
    ['10.1.2.3', '10.1.2.4', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['0.0.0.0/0', '::1', false],
    ['fc00::/7', 'fd12::1', true],
    ['fc00::/7', 'fe00::1', false],
    ['fe80::/10', 'febf::1', true],
    ['::/0', '2001:db8::1', true],
  ];
  for (const [cidr, address, contained] of cases) {
    it(`${cidr} ${contained ? 'holds' : 'does not hold'} ${address}`, () => {
      assert.equal(networkContains(parseCidr(cidr)!, parseIp(address)!), contained);
    });
  }
  it('normalizes and refuses malformed networks', () => {
    assert.equal(formatCidr(parseCidr('10.1.2.7/24')!), '10.1.2.0/24');
    assert.equal(formatCidr(parseCidr('FD00:1::5/64')!), 'fd00:1::/64');
    assert.equal(formatCidr(parseCidr('10.1.2.3')!), '10.1.2.3/32');
    for (const bad of ['10.0.0.0/33', '10.0.0/8', '10.0.0.0/8/1', 'fe80::1%eth0/64', '10.0.0.0/-1', '10.0.0.0/', 'x/8', '::/129']) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
  });
  it('unmaps IPv4-mapped IPv6 only', () => {
    assert.equal(formatIp(unmapIpv4(parseIp('::ffff:169.254.169.254')!)), '169.254.169.254');
    assert.equal(formatIp(unmapIpv4(parseIp('::1')!)), '::1');
  });
});
