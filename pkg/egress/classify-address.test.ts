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
    // The machine's own addresses, whatever their range.
    ['192.0.2.2', 'host'],
    ['172.17.0.1', 'host'],
    ['172.18.0.1', 'host'],
    ['::ffff:192.0.2.2', 'host'],
    ['fe80::42:acff:fe11:1', 'host'],
    ['192.0.2.3', 'public'],
  ];
  for (const [address, cls] of cases) {
    it(`${address} is ${cls}`, () => assert.equal(classifyAddress(parseIp(address)!, host), cls));
  }
  it('without host addresses, the host ranges are still blocked by class', () => {
    assert.equal(classifyAddress(parseIp('172.17.0.1')!), 'private');
  });
});
