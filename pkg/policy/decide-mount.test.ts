import assert from 'node:assert/strict';
import { mkdtemp, mkdir, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decideMount, findMountRule } from './decide-mount.js';
import type { MountRoot } from '../mounts/index.js';
import type { MountRule, Policy, PolicyMode } from './policy.js';
import { STRICT_DEFAULT_POLICY } from './policy.js';

const SOCKET = ['/var/run/docker.sock'];
/** A root over everything: these tests are about the rules inside the roots. */
const EVERYWHERE: MountRoot[] = [{ path: '/', user: { kind: 'owner' } }];

function policy(mode: PolicyMode, mounts: MountRule[]): Policy {
  return { ...STRICT_DEFAULT_POLICY, mode, mounts };
}

const RULES: MountRule[] = [
  { prefix: '/home/a', access: 'readwrite' },
  { prefix: '/home/a/secret', access: 'denied' },
  { prefix: '/home/a/docs', access: 'readonly' },
  { prefix: '/srv', access: 'readonly' },
  { prefix: '/srv', access: 'denied' },
  { prefix: '/data', access: 'readwrite' },
  { prefix: '/data', access: 'readonly' },
];

describe('findMountRule', () => {
  const cases: Array<[source: string, prefix: string | undefined, access?: string]> = [
    ['/home/a', '/home/a', 'readwrite'],
    ['/home/a/src', '/home/a', 'readwrite'],
    ['/home/a/secret', '/home/a/secret', 'denied'],
    ['/home/a/secret/key', '/home/a/secret', 'denied'],
    ['/home/a/secrets', '/home/a', 'readwrite'],
    ['/home/a/docs/x', '/home/a/docs', 'readonly'],
    ['/home/ab', undefined],
    ['/home', undefined],
    ['/srv/x', '/srv', 'denied'],
    ['/data/x', '/data', 'readonly'],
  ];
  for (const [source, prefix, access] of cases) {
    it(`${source} → ${prefix ?? 'no rule'} ${access ?? ''}`, () => {
      const rule = findMountRule(RULES, source);
      assert.equal(rule?.prefix, prefix);
      if (access !== undefined) assert.equal(rule?.access, access);
    });
  }

  it('a rule on / matches every absolute path', () => {
    assert.equal(findMountRule([{ prefix: '/', access: 'readonly' }], '/x/y')?.access, 'readonly');
  });

  it('denied wins a tie whatever the order', () => {
    for (const rules of [RULES.slice(3, 5), RULES.slice(3, 5).reverse()]) assert.equal(findMountRule(rules, '/srv')?.access, 'denied');
  });
});

describe('decideMount', () => {
  const cases: Array<[mode: PolicyMode, source: string, write: boolean, verdict: string, writable: boolean]> = [
    ['strict', '/home/a/src', true, 'allow', true],
    ['strict', '/home/a/src', false, 'allow', false],
    ['strict', '/home/a/docs', false, 'allow', false],
    ['strict', '/home/a/docs', true, 'deny', false],
    ['permissive', '/home/a/docs', true, 'clamp', false],
    ['strict', '/home/a/secret', false, 'deny', false],
    ['permissive', '/home/a/secret', true, 'clamp', false],
    ['strict', '/home/ab', false, 'deny', false],
    ['permissive', '/home/ab', true, 'allow', true],
    ['disabled', '/home/a/secret', true, 'allow', true],
  ];
  for (const [mode, source, write, verdict, writable] of cases) {
    it(`${mode}: ${source} ${write ? 'write' : 'read'} → ${verdict}`, () => {
      const decision = decideMount(policy(mode, RULES), source, write, SOCKET, EVERYWHERE);
      assert.equal(decision.verdict, verdict);
      assert.equal(decision.writable, writable);
      assert.ok(decision.rule.length > 0 && decision.reason.length > 0);
    });
  }

  it('names the deciding rule', () => {
    assert.equal(decideMount(policy('strict', RULES), '/home/a/secret/k', false, SOCKET, EVERYWHERE).rule, 'mounts: /home/a/secret denied');
  });

  it('allows any mount under a root outside the never-mountable set when there are no rules', () => {
    const decision = decideMount(STRICT_DEFAULT_POLICY, '/home/x', true, SOCKET, EVERYWHERE);
    assert.deepEqual([decision.verdict, decision.writable], ['allow', true]);
  });

  for (const mode of ['strict', 'permissive', 'disabled'] as const) {
    it(`${mode}: with no mount root named, every mount is refused, naming --mount-root`, () => {
      const decision = decideMount(policy(mode, [{ prefix: '/', access: 'readwrite' }]), '/home/ada/.ssh', false, SOCKET);
      assert.deepEqual([decision.verdict, decision.rule], ['deny', 'mount-roots']);
      assert.match(decision.reason, /--mount-root DIR .*none is named/);
    });
  }

  it('mounts only under the roots, whole components, and says which root decided and who runs', () => {
    const roots: MountRoot[] = [
      { path: '/srv/ws', user: { kind: 'fixed', uid: 1500, gid: 1500 } },
      { path: '/srv/ws/ada', user: { kind: 'owner' } },
    ];
    const outside = decideMount(STRICT_DEFAULT_POLICY, '/srv/wsx', false, SOCKET, roots);
    assert.deepEqual([outside.verdict, outside.rule], ['deny', 'mount-roots']);
    assert.match(outside.reason, /the roots are \/srv\/ws, \/srv\/ws\/ada/);
    const bob = decideMount(STRICT_DEFAULT_POLICY, '/srv/ws/bob', true, SOCKET, roots);
    assert.deepEqual([bob.verdict, bob.root?.user], ['allow', { kind: 'fixed', uid: 1500, gid: 1500 }]);
    const ada = decideMount(STRICT_DEFAULT_POLICY, '/srv/ws/ada/p', true, SOCKET, roots);
    assert.deepEqual([ada.verdict, ada.root?.path, ada.root?.user.kind], ['allow', '/srv/ws/ada', 'owner']);
  });

  it("the policy's mountRoots count beside the worker's", () => {
    const withRoot: Policy = { ...STRICT_DEFAULT_POLICY, mountRoots: [{ path: '/data', user: { kind: 'owner' } }] };
    assert.equal(decideMount(withRoot, '/data/x', false, SOCKET).verdict, 'allow');
    assert.equal(decideMount(withRoot, '/srv/x', false, SOCKET).verdict, 'deny');
  });

  it("never mounts the worker's own state, nor a directory that contains it or lies inside it", () => {
    const own = ['/var/lib/baaaht-worker', '/etc/baaaht/policies.yaml'];
    for (const source of ['/var/lib/baaaht-worker', '/var/lib/baaaht-worker/task_1', '/var/lib', '/var/lib/baaaht-worker/results/x']) {
      const decision = decideMount(STRICT_DEFAULT_POLICY, source, false, [...SOCKET, ...own], EVERYWHERE);
      assert.deepEqual([decision.verdict, decision.rule], ['deny', 'never-mountable'], source);
    }
    assert.equal(decideMount(STRICT_DEFAULT_POLICY, '/var/lib/baaaht-worker2', false, [...SOCKET, ...own], EVERYWHERE).verdict, 'allow');
  });

  const never = ['/', '/etc', '/etc/ssh', '/proc/1', '/sys', '/dev', '/var/run', '/var'];
  for (const mode of ['strict', 'permissive', 'disabled'] as const) {
    for (const source of never) {
      it(`${mode}: never mounts ${source}, even under a readwrite rule on /`, () => {
        const decision = decideMount(policy(mode, [{ prefix: '/', access: 'readwrite' }]), source, false, SOCKET, EVERYWHERE);
        assert.equal(decision.verdict, 'deny');
        assert.equal(decision.rule, 'never-mountable');
      });
    }
  }
});

describe('decideMount on symlinked sources (realpath first, as the worker does)', () => {
  let dir: string;
  before(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'baaaht-policy-')));
    await mkdir(join(dir, 'allowed', 'project'), { recursive: true });
    await mkdir(join(dir, 'private'));
    await symlink('/etc', join(dir, 'allowed', 'etc-link'));
    await symlink(join(dir, 'private'), join(dir, 'allowed', 'private-link'));
    await symlink(join(dir, 'allowed', 'project'), join(dir, 'project-link'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const rules = (): MountRule[] => [
    { prefix: join(dir, 'allowed'), access: 'readwrite' },
    { prefix: join(dir, 'private'), access: 'denied' },
  ];

  it('a symlink to /etc inside an allowed tree resolves to /etc and is never mounted', async () => {
    const source = await realpath(join(dir, 'allowed', 'etc-link'));
    assert.equal(source, '/etc');
    for (const mode of ['strict', 'permissive', 'disabled'] as const) {
      const decision = decideMount(policy(mode, rules()), source, false, SOCKET, EVERYWHERE);
      assert.deepEqual([decision.verdict, decision.rule], ['deny', 'never-mountable']);
    }
  });

  it('a symlink from an allowed tree into a denied one is decided by its target', async () => {
    const source = await realpath(join(dir, 'allowed', 'private-link'));
    const decision = decideMount(policy('strict', rules()), source, false, SOCKET, EVERYWHERE);
    assert.deepEqual([decision.verdict, decision.rule], ['deny', `mounts: ${join(dir, 'private')} denied`]);
  });

  it('a symlink from outside into an allowed tree is allowed', async () => {
    const source = await realpath(join(dir, 'project-link'));
    assert.equal(decideMount(policy('strict', rules()), source, true, SOCKET, EVERYWHERE).verdict, 'allow');
  });
});
