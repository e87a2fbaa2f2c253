import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parsePolicy } from './parse-policy.js';
import { STRICT_DEFAULT_POLICY } from './policy.js';
import { PolicyError } from './policy-error.js';

describe('parsePolicy', () => {
  it('an empty file, or an empty mapping, is the strict default', () => {
    for (const text of ['', '# nothing\n', '{}']) assert.deepEqual(parsePolicy(text, 'p.yaml'), STRICT_DEFAULT_POLICY);
  });

  it('compiles every key', () => {
    const policy = parsePolicy(
      `
mode: permissive
mounts:
  - {path: /home/ada/, access: readwrite}
  - {path: /home/ada/../ada/secret, access: denied}
  - {path: /, access: readonly}
mountRoots:
  - {path: /srv/ws/, user: owner}
  - {path: /data, user: "1000:1001"}
  - {path: /scratch, user: 1200}
  - {path: /pub}
images: {allow: [alpine:3.19, "ghcr.io/acme/*"], deny: [user/app], requireDigest: true}
caps: {cpus: 1.5, memory: 512MiB, pids: 100, timeout: 60s, output: 10MiB}
runtimes: {custom: runsc, all: runc}
egress: {allowHosts: [Search.Internal., "*.corp.example"], allowCidrs: [10.1.2.7/24, "fd00:1::/64", 192.168.5.5], domains: ["*.example.com", 203.0.113.9]}
`,
      'p.yaml',
    );
    assert.deepEqual(policy, {
      mode: 'permissive',
      mounts: [
        { prefix: '/home/ada', access: 'readwrite' },
        { prefix: '/home/ada/secret', access: 'denied' },
        { prefix: '/', access: 'readonly' },
      ],
      mountRoots: [
        { path: '/srv/ws', user: { kind: 'owner' } },
        { path: '/data', user: { kind: 'fixed', uid: 1000, gid: 1001 } },
        { path: '/scratch', user: { kind: 'fixed', uid: 1200, gid: 1200 } },
        { path: '/pub', user: { kind: 'fixed', uid: 65534, gid: 65534 } },
      ],
      images: { allow: ['docker.io/library/alpine:3.19', 'ghcr.io/acme/*'], deny: ['docker.io/user/app'], requireDigest: true },
      caps: { cpus: 1.5, memoryBytes: 512 * 1024 * 1024, pids: 100, timeoutMs: 60_000, outputBytes: 10 * 1024 * 1024 },
      runtimes: { custom: 'runsc', all: 'runc' },
      egress: {
        allowHosts: ['search.internal', '*.corp.example'],
        allowCidrs: ['10.1.2.0/24', 'fd00:1::/64', '192.168.5.5/32'],
        domains: ['*.example.com', '203.0.113.9'],
      },
    });
  });

  it('reads JSON too', () => {
    assert.equal(parsePolicy('{"mode": "disabled"}', 'p.json').mode, 'disabled');
  });

  const errors: Array<[text: string, keyPath: string | undefined]> = [
    ['mode: lax', 'mode'],
    ['modes: strict', 'modes'],
    ['mountRoots: /srv', 'mountRoots'],
    ['mountRoots: [{path: srv}]', 'mountRoots[0].path'],
    ['mountRoots: [{path: /srv, user: root}]', 'mountRoots[0].user'],
    ['mountRoots: [{path: /srv, user: 0}]', 'mountRoots[0].user'],
    ['mountRoots: [{path: /srv, user: "1000:0"}]', 'mountRoots[0].user'],
    ['mountRoots: [{path: /srv, uid: 1}]', 'mountRoots[0].uid'],
    ['- 1', '(top level)'],
    ['mounts: /home', 'mounts'],
    ['mounts: [{path: /home}]', 'mounts[0].access'],
    ['mounts: [{path: home, access: readonly}]', 'mounts[0].path'],
    ['mounts: [{path: /a, access: readonly}, {path: /b, access: rw}]', 'mounts[1].access'],
    ['mounts: [{path: /a, access: readonly, extra: 1}]', 'mounts[0].extra'],
    ['images: {allow: alpine}', 'images.allow'],
    ['images: {allow: [alpine, Alpine]}', 'images.allow[1]'],
    ['images: {deny: [3]}', 'images.deny[0]'],
    ['images: {requireDigest: yes}', 'images.requireDigest'],
    ['images: {pinned: true}', 'images.pinned'],
    ['caps: {cpus: 0}', 'caps.cpus'],
    ['caps: {cpus: "1"}', 'caps.cpus'],
    ['caps: {memory: lots}', 'caps.memory'],
    ['caps: {memory: 1k}', 'caps.memory'],
    ['caps: {pids: 1.5}', 'caps.pids'],
    ['caps: {timeout: 60}', 'caps.timeout'],
    ['caps: {timeout: "-5s"}', 'caps.timeout'],
    ['caps: {output: 10XB}', 'caps.output'],
    ['caps: {disk: 1g}', 'caps.disk'],
    ['runtimes: {custom: "run sc"}', 'runtimes.custom'],
    ['runtimes: {web: runsc}', 'runtimes.web'],
    ['egress: [10.0.0.0/8]', 'egress'],
    ['egress: {allowIps: []}', 'egress.allowIps'],
    ['egress: {allowCidrs: 10.0.0.0/8}', 'egress.allowCidrs'],
    ['egress: {allowCidrs: [10.0.0.0/33]}', 'egress.allowCidrs[0]'],
    ['egress: {allowCidrs: [10.0.0.0/8, 10.0.0/8]}', 'egress.allowCidrs[1]'],
    ['egress: {allowCidrs: ["fe80::/10/1"]}', 'egress.allowCidrs[0]'],
    ['egress: {allowCidrs: [8]}', 'egress.allowCidrs[0]'],
    ['egress: {allowHosts: ["http://db.internal"]}', 'egress.allowHosts[0]'],
    ['egress: {allowHosts: ["*"]}', 'egress.allowHosts[0]'],
    ['egress: {allowHosts: ["a..b"]}', 'egress.allowHosts[0]'],
    ['egress: {domains: ["bücher.example"]}', 'egress.domains[0]'],
    ['egress: {domains: ["x.*.example"]}', 'egress.domains[0]'],
    ['mode: [strict', undefined],
    ['mode: strict\n---\nmode: permissive', undefined],
  ];
  for (const [text, keyPath] of errors) {
    it(`refuses ${JSON.stringify(text)}${keyPath === undefined ? '' : ` naming ${keyPath}`}`, () => {
      assert.throws(
        () => parsePolicy(text, 'p.yaml'),
        (error: unknown) =>
          error instanceof PolicyError &&
          error.keyPath === keyPath &&
          error.message.startsWith('p.yaml: ') &&
          (keyPath === undefined || error.message.includes(`${keyPath}: `)),
      );
    });
  }

  it('the example file parses', () => {
    const path = fileURLToPath(new URL('../../config/policies.example.yaml', import.meta.url));
    const policy = parsePolicy(readFileSync(path, 'utf8'), path);
    assert.equal(policy.mode, 'strict');
    assert.ok(policy.mounts.length > 0 && policy.images.allow.length > 0);
    assert.equal(policy.runtimes.custom, 'runsc');
    assert.deepEqual(policy.egress.allowCidrs, ['10.20.0.0/16']);
  });
});
