import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCreateOptions } from './build-create-options.js';
import { TMPFS_BYTES, type ContainerSpec } from './container-spec.js';

const BASE: ContainerSpec = {
  image: 'baaaht/tools:test',
  argv: ['cat', '--', '/workspace/a.txt'],
  workingDir: '/workspace',
  user: '1000:1001',
  labels: { 'io.baaaht.task-id': 't1' },
  network: 'none',
  limits: { cpus: 0.1, memoryBytes: 64 * 1024 * 1024, pids: 10 },
};

function build(overrides: Partial<ContainerSpec> = {}) {
  const options = buildCreateOptions({ ...BASE, ...overrides }, 'baaaht-abc');
  const host = options.HostConfig;
  assert.ok(host, 'HostConfig is set');
  return { options, host };
}

describe('buildCreateOptions', () => {
  it('names the container and runs the argv as given, with no entrypoint', () => {
    const { options } = build({ env: { A: '1', B: 'x=y' } });
    assert.equal(options.name, 'baaaht-abc');
    assert.equal(options.Image, 'baaaht/tools:test');
    assert.deepEqual(options.Cmd, ['cat', '--', '/workspace/a.txt']);
    assert.deepEqual(options.Entrypoint, []);
    assert.deepEqual(options.Env, ['A=1', 'B=x=y']);
    assert.equal(options.WorkingDir, '/workspace');
    assert.equal(options.User, '1000:1001');
    assert.equal(options.Tty, false);
  });

  it('leashed: runs the argv under the leash, with stdin attached once, even without task stdin', () => {
    const options = buildCreateOptions(BASE, 'n', { leashed: true });
    assert.deepEqual(options.Cmd, ['/usr/local/bin/baaaht-leash', 'cat', '--', '/workspace/a.txt']);
    assert.deepEqual([options.AttachStdin, options.OpenStdin, options.StdinOnce], [true, true, true]);
    const plain = buildCreateOptions(BASE, 'n');
    assert.deepEqual([plain.AttachStdin, plain.OpenStdin, plain.StdinOnce], [false, false, false]);
  });

  it('copies argv rather than sharing the spec array', () => {
    const argv = ['echo', 'hi'];
    const options = buildCreateOptions({ ...BASE, argv }, 'n');
    assert.notEqual(options.Cmd, argv);
  });

  it('locks every container down the same way', () => {
    const { host } = build();
    assert.equal(host.ReadonlyRootfs, true);
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges:true']);
    assert.equal(host.Privileged, false);
    assert.equal(host.Init, true);
    assert.equal(host.IpcMode, 'private');
    assert.equal(host.AutoRemove, false);
    assert.deepEqual(host.RestartPolicy, { Name: 'no' });
    assert.deepEqual(host.LogConfig, { Type: 'none', Config: {} });
  });

  for (const { network, disabled } of [
    { network: 'none', disabled: true },
    { network: 'bridge', disabled: false },
    { network: 'baaaht-web', disabled: false },
  ]) {
    it(`network ${network}: NetworkMode ${network}, NetworkDisabled ${disabled}`, () => {
      const { options, host } = build({ network });
      assert.equal(host.NetworkMode, network);
      assert.equal(options.NetworkDisabled, disabled);
    });
  }

  for (const { cpus, nanoCpus } of [
    { cpus: 0.1, nanoCpus: 100_000_000 },
    { cpus: 0.25, nanoCpus: 250_000_000 },
    { cpus: 0.2, nanoCpus: 200_000_000 },
    { cpus: 2, nanoCpus: 2_000_000_000 },
  ]) {
    it(`cpus ${cpus} → NanoCpus ${nanoCpus}`, () => {
      const { host } = build({ limits: { ...BASE.limits, cpus } });
      assert.equal(host.NanoCpus, nanoCpus);
      assert.ok(Number.isInteger(host.NanoCpus));
    });
  }

  it('sets Memory and MemorySwap equal (no swap) and the PID limit', () => {
    const { host } = build({ limits: { cpus: 1, memoryBytes: 128 * 1024 * 1024, pids: 20 } });
    assert.equal(host.Memory, 128 * 1024 * 1024);
    assert.equal(host.MemorySwap, 128 * 1024 * 1024);
    assert.equal(host.PidsLimit, 20);
  });

  for (const { user, uid, gid } of [
    { user: '1000:1001', uid: '1000', gid: '1001' },
    { user: '65534:65534', uid: '65534', gid: '65534' },
    { user: '1000', uid: '1000', gid: '1000' },
  ]) {
    it(`tmpfs /tmp for user ${user} is noexec and owned by ${uid}:${gid}`, () => {
      const { host } = build({ user });
      const tmpfs = host.Tmpfs as Record<string, string>;
      assert.deepEqual(Object.keys(tmpfs), ['/tmp']);
      const flags = (tmpfs['/tmp'] ?? '').split(',');
      for (const flag of ['rw', 'noexec', 'nosuid', 'nodev', `size=${TMPFS_BYTES}`, `uid=${uid}`, `gid=${gid}`, 'mode=0700']) {
        assert.ok(flags.includes(flag), `${flag} in ${flags.join(',')}`);
      }
    });
  }

  for (const { writable, readOnly } of [
    { writable: false, readOnly: true },
    { writable: true, readOnly: false },
  ]) {
    it(`binds the mount ${readOnly ? 'read-only' : 'read-write'} when writable is ${writable}`, () => {
      const { host } = build({ mount: { source: '/srv/ws', target: '/workspace', writable, identity: '1:2', origin: '/home/ws' } });
      assert.deepEqual(host.Mounts, [
        {
          Type: 'bind',
          Source: '/srv/ws',
          Target: '/workspace',
          ReadOnly: readOnly,
          BindOptions: { Propagation: 'rprivate' },
        },
      ]);
    });
  }

  it('has no mounts without a mount', () => {
    const { host } = build();
    assert.deepEqual(host.Mounts, []);
    assert.equal(host.Binds, undefined);
  });

  it('sets Runtime only when the spec names one', () => {
    assert.equal(build({ runtime: 'runsc' }).host.Runtime, 'runsc');
    assert.equal('Runtime' in build().host, false);
  });

  it('attaches stdin only when there is stdin to write', () => {
    const without = build().options;
    assert.equal(without.AttachStdin, false);
    assert.equal(without.OpenStdin, false);
    assert.equal(without.StdinOnce, false);
    const withStdin = build({ stdin: Buffer.from('data') }).options;
    assert.equal(withStdin.AttachStdin, true);
    assert.equal(withStdin.OpenStdin, true);
    assert.equal(withStdin.StdinOnce, true);
    for (const options of [without, withStdin]) {
      assert.equal(options.AttachStdout, true);
      assert.equal(options.AttachStderr, true);
    }
  });

  it('attaches stdin for an empty stdin too', () => {
    assert.equal(build({ stdin: new Uint8Array(0) }).options.OpenStdin, true);
  });

  for (const user of ['0', '0:0', '0:1000', 'root', 'root:root', '', ':1000', '00', '+0', '000:0', ' 0']) {
    it(`refuses root user ${JSON.stringify(user)}`, () => {
      assert.throws(() => buildCreateOptions({ ...BASE, user }, 'n'), /refusing to run a task container as root/);
    });
  }

  it('copies the labels into a new object', () => {
    const labels = { a: '1', b: '2' };
    const { options } = build({ labels });
    assert.deepEqual(options.Labels, labels);
    assert.notEqual(options.Labels, labels);
  });
});
