import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findMountRoot, formatMountRoot, parseMountRoot, taskUserFor, type MountRoot, type RootUser } from './mount-root.js';

describe('parseMountRoot', () => {
  const ok: Array<[raw: string, root: MountRoot]> = [
    ['/srv/ws', { path: '/srv/ws', user: { kind: 'fixed', uid: 65534, gid: 65534 } }],
    ['/srv/ws/', { path: '/srv/ws', user: { kind: 'fixed', uid: 65534, gid: 65534 } }],
    ['/srv//ws/../ws:owner', { path: '/srv/ws', user: { kind: 'owner' } }],
    ['/srv/ws:1000', { path: '/srv/ws', user: { kind: 'fixed', uid: 1000, gid: 1000 } }],
    ['/srv/ws:1000:2000', { path: '/srv/ws', user: { kind: 'fixed', uid: 1000, gid: 2000 } }],
    ['/', { path: '/', user: { kind: 'fixed', uid: 65534, gid: 65534 } }],
  ];
  for (const [raw, root] of ok) {
    it(`${raw} → ${formatMountRoot(root)}`, () => {
      assert.deepEqual(parseMountRoot(raw), root);
      assert.deepEqual(parseMountRoot(formatMountRoot(root)), root);
    });
  }
  const bad: Array<[raw: string, message: RegExp]> = [
    ['srv/ws', /absolute/],
    ['', /absolute/],
    [':owner', /absolute/],
    ['/srv:0', /never run as root/],
    ['/srv:1000:0', /never run as root/],
    ['/srv:owner:5', /takes no gid/],
    ['/srv:4294967295', /below/],
  ];
  for (const [raw, message] of bad) {
    it(`refuses ${JSON.stringify(raw)}`, () => assert.throws(() => parseMountRoot(raw), message));
  }
});

describe('findMountRoot', () => {
  const owner: RootUser = { kind: 'owner' };
  const roots: MountRoot[] = [
    { path: '/srv/ws', user: { kind: 'fixed', uid: 1, gid: 1 } },
    { path: '/srv/ws/ada', user: owner },
  ];
  const cases: Array<[path: string, root: string | undefined]> = [
    ['/srv/ws', '/srv/ws'],
    ['/srv/ws/bob/x', '/srv/ws'],
    ['/srv/ws/ada', '/srv/ws/ada'],
    ['/srv/ws/ada/p', '/srv/ws/ada'],
    ['/srv/ws/adam', '/srv/ws'],
    ['/srv/wsx', undefined],
    ['/srv', undefined],
    ['/', undefined],
  ];
  for (const [path, root] of cases) {
    it(`${path} → ${root ?? 'no root'}`, () => assert.equal(findMountRoot(roots, path)?.path, root));
  }
  it('a root of / contains every absolute path', () => assert.equal(findMountRoot([{ path: '/', user: owner }], '/a/b')?.path, '/'));
});

describe('taskUserFor', () => {
  const cases: Array<[user: RootUser, owner: { uid: number; gid: number }, expected: string]> = [
    [{ kind: 'fixed', uid: 1500, gid: 1600 }, { uid: 1000, gid: 1000 }, '1500:1600'],
    [{ kind: 'owner' }, { uid: 1000, gid: 1001 }, '1000:1001'],
    [{ kind: 'owner' }, { uid: 1000, gid: 0 }, '1000:1000'],
    [{ kind: 'owner' }, { uid: 0, gid: 0 }, '65534:65534'],
    [{ kind: 'owner' }, { uid: 0, gid: 1000 }, '65534:65534'],
  ];
  for (const [user, owner, expected] of cases) {
    it(`${JSON.stringify(user)} with a directory of ${owner.uid}:${owner.gid} → ${expected}`, () => assert.equal(taskUserFor(user, owner), expected));
  }
});
