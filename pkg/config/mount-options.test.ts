import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWorkerArgs } from './parse-worker-args.js';
import type { WorkerConfig } from './worker-config.js';

function load(argv: string[], env: Record<string, string> = {}): WorkerConfig {
  const parsed = parseWorkerArgs({ argv, env, homeDir: '/nonexistent', hostname: 'box' });
  assert.equal(parsed.kind, 'config');
  return parsed.config;
}

describe('--mount-root, --never-mount, --mount-pin-dir', () => {
  it('has no mount root unless the operator names one', () => assert.deepEqual(load([]).mountRoots, []));

  it('--mount-root repeats and takes owner, a uid or uid:gid; the bare form runs tasks as nobody', () => {
    const config = load(['--mount-root', '/srv/ws:owner', '--mount-root', '/data:1000:1001,/pub']);
    assert.deepEqual(config.mountRoots, [
      { path: '/srv/ws', user: { kind: 'owner' } },
      { path: '/data', user: { kind: 'fixed', uid: 1000, gid: 1001 } },
      { path: '/pub', user: { kind: 'fixed', uid: 65534, gid: 65534 } },
    ]);
  });

  it('reads WORKER_MOUNT_ROOT and WORKER_NEVER_MOUNT', () => {
    const config = load([], { WORKER_MOUNT_ROOT: '/srv/ws:1200', WORKER_NEVER_MOUNT: '/srv/ws/.orchestrator,/srv/keys' });
    assert.deepEqual(config.mountRoots, [{ path: '/srv/ws', user: { kind: 'fixed', uid: 1200, gid: 1200 } }]);
    assert.deepEqual(config.neverMount, ['/srv/ws/.orchestrator', '/srv/keys']);
  });

  for (const [argv, message] of [
    [['--mount-root', 'srv'], /--mount-root.*absolute/],
    [['--mount-root', '/srv:0'], /--mount-root.*never run as root/],
    [['--never-mount', 'keys'], /--never-mount.*absolute/],
    [['--mount-pin-dir', 'pins'], /--mount-pin-dir.*absolute/],
  ] as const) {
    it(`refuses ${argv.join(' ')}`, () => assert.throws(() => load([...argv]), message));
  }

  it('pins under the work dir unless told otherwise, and lists the TLS files it was given', () => {
    assert.equal(load(['--work-dir', '/var/lib/w']).mountPinDir, '/var/lib/w/pins');
    assert.equal(load(['--mount-pin-dir', '/run/baaaht/pins']).mountPinDir, '/run/baaaht/pins');
  });
});
