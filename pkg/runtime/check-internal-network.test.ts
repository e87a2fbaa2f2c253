import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInternalNetwork, type NetworkInfo } from './check-internal-network.js';

describe('checkInternalNetwork', () => {
  const good: NetworkInfo = {
    Id: '0123456789abcdef0123',
    Name: 'baaaht-egress',
    Driver: 'bridge',
    Internal: true,
    Options: { 'com.docker.network.bridge.enable_icc': 'false' },
    Labels: { 'io.baaaht.managed-by': 'baaaht-worker' },
    Containers: {},
    IPAM: { Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] },
  };

  it('accepts an internal bridge without inter-container traffic, and names its bridge interface', () => {
    assert.deepEqual(checkInternalNetwork(good), {
      ok: true,
      network: { name: 'baaaht-egress', id: good.Id, gateway: '172.18.0.1', subnet: '172.18.0.0/16', bridge: 'br-0123456789ab' },
    });
    const named = checkInternalNetwork({ ...good, Options: { ...good.Options, 'com.docker.network.bridge.name': 'baaaht0' } });
    assert.equal(named.ok && named.network.bridge, 'baaaht0');
  });

  const cases: Array<[what: string, info: NetworkInfo, problem: RegExp, recreate: boolean]> = [
    ['ours, unused, with inter-container traffic on (#11)', { ...good, Options: {} }, /lets its containers reach each other .*enable_icc=false/, true],
    ['ours, icc explicitly true', { ...good, Options: { 'com.docker.network.bridge.enable_icc': 'true' } }, /reach each other/, true],
    ['ours, icc on, but in use', { ...good, Options: {}, Containers: { abc: {} } }, /reach each other/, false],
    ["someone else's, icc on", { ...good, Options: {}, Labels: {} }, /reach each other/, false],
    ['not internal', { ...good, Internal: false }, /not internal/, false],
    ['another driver', { ...good, Driver: 'macvlan' }, /macvlan driver/, false],
    ['no IPv4 gateway', { ...good, IPAM: { Config: [{ Subnet: 'fd00::/64', Gateway: 'fd00::1' }] } }, /no IPv4 gateway/, false],
  ];
  for (const [what, info, problem, recreate] of cases) {
    it(`refuses a network that is ${what}${recreate ? ' (and may recreate it)' : ''}`, () => {
      const verdict = checkInternalNetwork(info);
      assert.equal(verdict.ok, false);
      if (verdict.ok) return;
      assert.match(verdict.problem, problem);
      assert.equal(verdict.recreate, recreate);
    });
  }
});
