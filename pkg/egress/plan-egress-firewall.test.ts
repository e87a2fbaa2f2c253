import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planEgressFirewall, staleFirewallRules } from './plan-egress-firewall.js';

describe('planEgressFirewall', () => {
  const input = { bridge: 'br-0123456789ab', gateway: '172.18.0.1', proxyPort: 41234, ipv6: false };

  it('opens the proxy port on the gateway and refuses everything else from and to the bridge', () => {
    const plan = planEgressFirewall(input);
    const c = (what: string): string[] => ['-m', 'comment', '--comment', `baaaht-egress:br-0123456789ab:${what}`];
    assert.deepEqual(plan.chains, [{ family: 'ipv4', name: 'BAAAHT-IN-br-0123456789ab' }]);
    assert.deepEqual(
      plan.rules.map((rule) => [rule.family, rule.chain, rule.at, rule.owner, rule.spec.join(' ')]),
      [
        ['ipv4', 'BAAAHT-IN-br-0123456789ab', 'last', 'shared', [...c('refuse-the-rest'), '-j', 'REJECT'].join(' ')],
        ['ipv4', 'BAAAHT-IN-br-0123456789ab', 'first', 'proxy', ['-d', '172.18.0.1/32', '-p', 'tcp', '-m', 'tcp', '--dport', '41234', ...c('proxy-172.18.0.1-41234'), '-j', 'ACCEPT'].join(' ')],
        ['ipv4', 'INPUT', 'first', 'shared', ['-i', 'br-0123456789ab', ...c('only-the-proxy'), '-j', 'BAAAHT-IN-br-0123456789ab'].join(' ')],
        ['ipv4', 'FORWARD', 'first', 'shared', ['-i', 'br-0123456789ab', ...c('no-forwarding-out'), '-j', 'REJECT'].join(' ')],
        ['ipv4', 'FORWARD', 'first', 'shared', ['-o', 'br-0123456789ab', ...c('no-forwarding-in'), '-j', 'REJECT'].join(' ')],
      ],
    );
  });

  it('refuses the chain before anything jumps to it (an empty chain would let everything through)', () => {
    const rules = planEgressFirewall(input).rules;
    const refusal = rules.findIndex((rule) => rule.chain.startsWith('BAAAHT-IN-') && rule.spec.at(-1) === 'REJECT');
    const jump = rules.findIndex((rule) => rule.chain === 'INPUT');
    assert.ok(refusal >= 0 && refusal < jump);
  });

  it('with IPv6 on the bridge, refuses all of it (the proxy is IPv4 only)', () => {
    const v6 = planEgressFirewall({ ...input, ipv6: true }).rules.filter((rule) => rule.family === 'ipv6');
    assert.deepEqual(
      v6.map((rule) => [rule.chain, rule.spec.slice(0, 2).join(' '), rule.spec.at(-1)]),
      [
        ['INPUT', '-i br-0123456789ab', 'REJECT'],
        ['FORWARD', '-i br-0123456789ab', 'REJECT'],
        ['FORWARD', '-o br-0123456789ab', 'REJECT'],
      ],
    );
  });

  const bad: Array<[what: string, change: Partial<typeof input>]> = [
    ['a bridge name that looks like an option', { bridge: '-j' }],
    ['a bridge name too long for an interface', { bridge: 'br-0123456789abcdef' }],
    ['a bridge name with a space', { bridge: 'br 1' }],
    ['an IPv6 gateway', { gateway: 'fe80::1' }],
    ['a gateway that is no address', { gateway: '172.18.0.1/16' }],
    ['port 0', { proxyPort: 0 }],
    ['a port past 65535', { proxyPort: 70000 }],
  ];
  for (const [what, change] of bad) it(`refuses ${what}`, () => assert.throws(() => planEgressFirewall({ ...input, ...change })));
});

describe('staleFirewallRules', () => {
  const listing = [
    '-P INPUT ACCEPT',
    '-N BAAAHT-IN-br-live',
    '-N BAAAHT-IN-br-gone',
    '-N DOCKER',
    '-A INPUT -i br-gone -m comment --comment "baaaht-egress:br-gone:only-the-proxy" -j BAAAHT-IN-br-gone',
    '-A INPUT -i br-live -m comment --comment "baaaht-egress:br-live:only-the-proxy" -j BAAAHT-IN-br-live',
    '-A FORWARD -i br-gone -m comment --comment "baaaht-egress:br-gone:no-forwarding-out" -j REJECT --reject-with icmp-port-unreachable',
    '-A FORWARD -i br-gone -m comment --comment "someone else\'s rule" -j ACCEPT',
    '-A FORWARD -i br-gone -j DROP',
    '-A BAAAHT-IN-br-live -d 172.18.0.1/32 -p tcp -m tcp --dport 4000 -m comment --comment "baaaht-egress:br-live:proxy-172.18.0.1-4000" -j ACCEPT',
  ].join('\n');

  it('deletes only our rules and chains of bridges that are gone', () => {
    assert.deepEqual(staleFirewallRules(listing, new Set(['lo', 'eth0', 'br-live'])), {
      deletions: [
        ['-D', 'INPUT', '-i', 'br-gone', '-m', 'comment', '--comment', 'baaaht-egress:br-gone:only-the-proxy', '-j', 'BAAAHT-IN-br-gone'],
        ['-D', 'FORWARD', '-i', 'br-gone', '-m', 'comment', '--comment', 'baaaht-egress:br-gone:no-forwarding-out', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      ],
      chains: ['BAAAHT-IN-br-gone'],
    });
  });

  it('leaves everything of live bridges', () => {
    assert.deepEqual(staleFirewallRules(listing, new Set(['br-live', 'br-gone'])), { deletions: [], chains: [] });
  });
});
