import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkIsolation, type InspectedConfinement } from './check-isolation.js';
import type { ContainerSpec } from './container-spec.js';

const spec: ContainerSpec = {
  image: 'img',
  argv: ['cat'],
  workingDir: '/workspace',
  user: '1000:1000',
  labels: {},
  mount: { source: '/home/a/p', target: '/workspace', writable: false, identity: 'not-checked', origin: '/home/a/p' },
  network: 'none',
  limits: { cpus: 0.1, memoryBytes: 64 << 20, pids: 10 },
};

const confined: InspectedConfinement = {
  Config: { User: '1000:1000' },
  HostConfig: {
    ReadonlyRootfs: true,
    CapDrop: ['ALL'],
    CapAdd: null,
    SecurityOpt: ['no-new-privileges:true'],
    Privileged: false,
    NetworkMode: 'none',
    NanoCpus: 100_000_000,
    Memory: 64 << 20,
    MemorySwap: 64 << 20,
    PidsLimit: 10,
    Runtime: 'runc',
  },
  Mounts: [{ Destination: '/workspace', Source: '/home/a/p', RW: false }],
};

function withHost(host: Partial<InspectedConfinement['HostConfig']>): InspectedConfinement {
  return { ...confined, HostConfig: { ...confined.HostConfig, ...host } };
}

describe('checkIsolation', () => {
  it('finds nothing wrong with a container confined as asked', () => {
    assert.deepEqual(checkIsolation(spec, confined, 'runc'), []);
  });

  const cases: Array<[string, InspectedConfinement, RegExp]> = [
    ['writable root', withHost({ ReadonlyRootfs: false }), /root filesystem is writable/],
    ['capabilities kept', withHost({ CapDrop: [] }), /not all dropped/],
    ['a capability added', withHost({ CapAdd: ['SYS_ADMIN'] }), /added: SYS_ADMIN/],
    ['no no-new-privileges', withHost({ SecurityOpt: [] }), /no-new-privileges/],
    ['privileged', withHost({ Privileged: true }), /privileged/],
    ['root user', { ...confined, Config: { User: '0:0' } }, /runs as root/],
    ['empty user (image default, may be root)', { ...confined, Config: { User: '' } }, /runs as root/],
    ['a network', withHost({ NetworkMode: 'bridge' }), /network is bridge/],
    ['no CPU limit', withHost({ NanoCpus: 0 }), /CPU limit/],
    ['another memory limit', withHost({ Memory: 0 }), /memory limit/],
    ['swap beyond memory', withHost({ MemorySwap: -1 }), /memory\+swap/],
    ['no PID limit', withHost({ PidsLimit: null }), /PID limit/],
    ['another runtime', withHost({ Runtime: 'runsc' }), /runtime is runsc/],
    ['a writable workspace', { ...confined, Mounts: [{ Destination: '/workspace', Source: '/home/a/p', RW: true }] }, /is writable/],
    ['an extra mount', { ...confined, Mounts: [...(confined.Mounts ?? []), { Destination: '/var/run/docker.sock', Source: '/run/docker.sock', RW: true }] }, /2 mounts/],
    ['another source', { ...confined, Mounts: [{ Destination: '/workspace', Source: '/', RW: false }] }, /not bound to/],
  ];
  for (const [name, info, problem] of cases) {
    it(`notices ${name}`, () => {
      const problems = checkIsolation(spec, info, 'runc');
      assert.ok(problems.some((p) => problem.test(p)), problems.join('; '));
    });
  }

  it('expects no mount for a task without one, and the default runtime when none is named', () => {
    const noMount = { ...spec, mount: undefined } as unknown as ContainerSpec;
    assert.deepEqual(checkIsolation(noMount, { ...confined, Mounts: [], HostConfig: { ...confined.HostConfig, Runtime: '' } }, 'runc'), []);
    assert.ok(checkIsolation(noMount, confined, 'runc').some((p) => /unexpected mounts/.test(p)));
  });

  it('holds under gVisor: a runsc task on a runsc container passes, on a runc (or default) one it does not', () => {
    const gvisor: ContainerSpec = { ...spec, runtime: 'runsc' };
    // The sandbox's own threads count against the host's pids cgroup (64 + 10 per process), and
    // its own work against the CPU quota (+ 0.4 CPU).
    const underRunsc = { ...confined, HostConfig: { ...confined.HostConfig, Runtime: 'runsc', PidsLimit: 164, NanoCpus: 500_000_000 } };
    assert.deepEqual(checkIsolation(gvisor, underRunsc, 'runc'), []);
    assert.deepEqual(checkIsolation(gvisor, { ...underRunsc, HostConfig: { ...underRunsc.HostConfig, Runtime: 'runc' } }, 'runc'), ['runtime is runc, not runsc']);
    const unnamed = { ...confined, HostConfig: { ...underRunsc.HostConfig, Runtime: '' } };
    assert.deepEqual(checkIsolation(gvisor, unnamed, 'runc'), ['runtime is runc, not runsc']);
    assert.deepEqual(checkIsolation(gvisor, { ...underRunsc, HostConfig: { ...underRunsc.HostConfig, PidsLimit: 10 } }, 'runc'), ['PID limit is 10, not 164']);
    assert.deepEqual(checkIsolation(gvisor, { ...underRunsc, HostConfig: { ...underRunsc.HostConfig, NanoCpus: 100_000_000 } }, 'runc'), ['CPU limit is 100000000, not 500000000']);
  });
});
