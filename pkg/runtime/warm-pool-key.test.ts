import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerSpec } from './container-spec.js';
import { describeWarmKey, warmKeySpec, warmPoolKey } from './warm-pool-key.js';

const base: ContainerSpec = {
  image: 'baaaht/tools:0.1.0',
  argv: ['baaaht-fs', 'read', '/workspace/a'],
  env: { A: '1' },
  stdin: Buffer.from('x'),
  workingDir: '/workspace',
  user: '1000:1000',
  labels: { 'io.baaaht.task-id': 't1' },
  mount: { source: '/pins/1', target: '/workspace', writable: false, identity: '2049:77', origin: '/home/ada/p' },
  network: 'none',
  limits: { cpus: 0.1, memoryBytes: 64 << 20, pids: 10 },
};
const keyOf = (over: Partial<ContainerSpec>): string => warmPoolKey(warmKeySpec({ ...base, ...over }));

describe('warmPoolKey', () => {
  it('ignores what belongs to one task: argv, env, stdin, labels', () => {
    const same = keyOf({ argv: ['grep', 'x'], env: {}, labels: { 'io.baaaht.task-id': 't2' } });
    assert.equal(same, keyOf({}));
    const { stdin: _stdin, env: _env, ...withoutStdin } = base;
    assert.equal(warmPoolKey(warmKeySpec(withoutStdin)), keyOf({}));
  });

  it("keys a mount by its directory's identity, not by a path: two pins of one directory share a key, one path that now leads elsewhere does not", () => {
    assert.equal(keyOf({ mount: { ...base.mount!, source: '/pins/2' } }), keyOf({}));
    assert.equal(keyOf({ mount: { ...base.mount!, origin: '/home/ada/moved' } }), keyOf({}));
    assert.notEqual(keyOf({ mount: { ...base.mount!, identity: '2049:99' } }), keyOf({}));
  });

  const differing: Array<[string, Partial<ContainerSpec>]> = [
    ['image', { image: 'other:1' }],
    ['runtime', { runtime: 'runsc' }],
    ['mount directory', { mount: { source: '/pins/1', target: '/workspace', writable: false, identity: '2049:78', origin: '/home/ada/p' } }],
    ['mount target', { mount: { source: '/pins/1', target: '/w', writable: false, identity: '2049:77', origin: '/home/ada/p' } }],
    ['writable', { mount: { source: '/pins/1', target: '/workspace', writable: true, identity: '2049:77', origin: '/home/ada/p' } }],
    ['no mount', { mount: undefined }],
    ['user', { user: '1001:1001' }],
    ['network', { network: 'baaaht-egress' }],
    ['cpus', { limits: { cpus: 0.2, memoryBytes: 64 << 20, pids: 10 } }],
    ['memory', { limits: { cpus: 0.1, memoryBytes: 65 << 20, pids: 10 } }],
    ['pids', { limits: { cpus: 0.1, memoryBytes: 64 << 20, pids: 11 } }],
    ['working directory', { workingDir: '/tmp' }],
  ];
  for (const [what, over] of differing) {
    it(`differs by ${what}`, () => assert.notEqual(keyOf(over), keyOf({})));
  }

  it('keeps nothing of the task in the key spec', () => {
    const spec = warmKeySpec(base);
    assert.deepEqual(Object.keys(spec).sort(), ['image', 'limits', 'mount', 'network', 'user', 'workingDir']);
    assert.equal(describeWarmKey(spec, 'runc'), 'baaaht/tools:0.1.0 /home/ada/p:ro none runc');
  });
});
