import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, type AddressClass } from './classify-address.js';
import { parseIp } from './ip-address.js';

describe('classifyAddress', () => {
  const host = ['127.0.0.1', '192.0.2.2', '172.17.0.1', '172.18.0.1', 'fe80::42:acff:fe11:1'].map((text) => parseIp(text)!);
  const cases: Array<[address: string, cls: AddressClass]> = [
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['203.0.113.10', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'shared'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['169.254.0.1', 'link-local'],
    ['172.15.255.255', 'public'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['192.0.0.8', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['fd00:ec2::254', 'metadata'],
    // IPv4 inside IPv6 counts as that IPv4 address.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['::ffff:7f00:1', 'loopback'], // the same, in hex
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:a00:1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    // Next to the ranges that carry IPv4 (see below): public.
    ['2001:1::1', 'public'],
    ['64:ff9b:2::1', 'public'],
    ['::1:0:0:0:1', 'public'],
    // The machine's own addresses, whatever their range.
    ['192.0.2.2', 'host'],
    ['172.17.0.1', 'host'],
    ['172.18.0.1', 'host'],
    ['::ffff:192.0.2.2', 'host'],
    ['::ffff:c000:202', 'host'],
    ['::ffff:ac11:1', 'host'],
    ['64:ff9b::c000:202', 'host'],
    ['2002:ac12:1::1', 'host'],
    ['fe80::42:acff:fe11:1', 'host'],
    ['192.0.2.3', 'public'],
  ];
  for (const [address, cls] of cases) {
    it(`${address} is ${cls}`, () => assert.equal(classifyAddress(parseIp(address)!, host), cls));
  }

  // IPv6 forms that carry an IPv4 address, or tunnel to one, which were `public` before #11.
  const embedded: Array<[address: string, cls: AddressClass]> = [
    // IPv4-compatible ::/96 (deprecated): the IPv4 address inside, and never public.
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::169.254.169.254', 'metadata'],
    ['::10.1.2.3', 'private'],
    ['::172.18.0.1', 'host'],
    ['::8.8.8.8', 'reserved'],
    ['::0.0.0.2', 'unspecified'],
    // IPv4-translated ::ffff:0:0:0/96 (SIIT).
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::ffff:0:808:808', 'reserved'],
    // Local-use NAT64 64:ff9b:1::/48 is blocked whole.
    ['64:ff9b:1::808:808', 'reserved'],
    ['64:ff9b:1::127.0.0.1', 'reserved'],
    ['64:ff9b:1:ffff::1', 'reserved'],
    // Teredo 2001::/32: blocked whole.
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['2001::1', 'reserved'],
    // Discard-only 100::/64.
    ['100::1', 'reserved'],
  ];
  for (const [address, cls] of embedded) {
    it(`${address} is ${cls} (IPv4 inside IPv6, tunnels)`, () => assert.equal(classifyAddress(parseIp(address)!, host), cls));
  }
  it('without host addresses, the host ranges are still blocked by class', () => {
    assert.equal(classifyAddress(parseIp('172.17.0.1')!), 'private');
  });
});
