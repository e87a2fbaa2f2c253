// The orchestrator's unix socket: 0600 by default; with --socket-group, 0660 and that group's,
// in a directory (when the orchestrator makes it) 0750 of the same group.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'nice-grpc';
import { loadOrchestratorConfig } from '../../pkg/config/index.js';
import { TaskServiceDefinition } from '../../pkg/gen/agent/v1/agent.js';
import { createOrchestrator } from '../../pkg/orchestrator/index.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { runBin } from '../support/processes.js';
import { silentLogger } from './harness.js';

/** As root, `daemon` (gid 1, in every Debian /etc/group); otherwise our own primary group. */
const GROUP = process.getuid?.() === 0 ? { name: 'daemon', gid: 1 } : { name: String(process.getgid?.()), gid: process.getgid?.() ?? 0 };

describe('unix socket mode and group', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp('/tmp/bg-');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const listenOn = async (path: string, extra: readonly string[]) => {
    const config = loadOrchestratorConfig({ argv: ['--listen', `unix://${path}`, '--data-dir', ':memory:', ...extra], env: {}, homeDir: '/nonexistent' });
    const o = createOrchestrator(config, silentLogger(), { closeGraceMs: 200 });
    await o.listen();
    return o;
  };

  it('is 0600 without --socket-group', async () => {
    const path = join(dir, 'plain', 'o.sock');
    const o = await listenOn(path, []);
    try {
      const s = await stat(path);
      assert.equal(s.mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'plain'))).mode & 0o777, 0o700);
    } finally {
      await o.close();
    }
  });

  it(`is 0660 and group ${GROUP.name}'s with --socket-group ${GROUP.name}, in a 0750 directory of that group; clients connect`, async () => {
    const path = join(dir, 'grouped', 'sub', 'o.sock');
    const o = await listenOn(path, ['--socket-group', GROUP.name]);
    try {
      const s = await stat(path);
      assert.ok(s.isSocket());
      assert.equal(s.mode & 0o777, 0o660);
      assert.equal(s.gid, GROUP.gid);
      for (const d of [join(dir, 'grouped'), join(dir, 'grouped', 'sub')]) {
        const ds = await stat(d);
        assert.equal(ds.mode & 0o777, 0o750, d);
        assert.equal(ds.gid, GROUP.gid, d);
      }
      const channel = createGrpcChannel(o.address, { maxRecvMsgSize: 1 << 20, maxSendMsgSize: 1 << 20 });
      try {
        assert.deepEqual((await createClient(TaskServiceDefinition, channel).listWorkers({})).workers, []);
      } finally {
        channel.close();
      }
    } finally {
      await o.close();
    }
    // The directory existed this time: it is used as it is (not chmod'ed or chowned again).
    const again = await listenOn(path, ['--socket-group', String(GROUP.gid), '--socket-mode', '0660']);
    try {
      assert.equal((await stat(path)).gid, GROUP.gid);
    } finally {
      await again.close();
    }
  });

  it('bin/orchestrator: an unknown group, or --socket-mode 0600 with a group, is a config error (exit 2)', async () => {
    const unknown = await runBin('orchestrator', ['--listen', `unix://${dir}/u.sock`, '--data-dir', ':memory:', '--socket-group', 'no-such-group-here']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /invalid value for --socket-group: there is no group "no-such-group-here"/);
    const contradiction = await runBin('orchestrator', ['--listen', `unix://${dir}/c.sock`, '--data-dir', ':memory:', '--socket-group', GROUP.name, '--socket-mode', '0600']);
    assert.equal(contradiction.code, 2, contradiction.stderr);
    assert.match(contradiction.stderr, /--socket-mode 0600 contradicts --socket-group/);
  });
});
