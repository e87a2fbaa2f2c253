// A worker that cannot install the egress firewall (#11) says so at start and does not offer the
// web tools: the real createWorker, run as nobody (uid 65534) with the docker group, so that it
// reaches the engine but not iptables. Needs root to start it that way (setpriv).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { docker } from '../support/docker-fixtures.js';
import { ROOT } from '../support/examples.js';

const NOBODY = 65534;

describe('a worker that cannot install the egress firewall (real worker, not root)', () => {
  const network = `baaaht-egress-nonroot-${randomBytes(4).toString('hex')}`;
  after(() => docker.getNetwork(network).remove().catch(() => undefined));

  it('logs "web egress unavailable; web tools not offered" with the reason, and offers only the other tools', async () => {
    const dockerGid = /^docker:[^:]*:(\d+):/m.exec(await readFile('/etc/group', 'utf8'))?.[1];
    assert.ok(dockerGid, 'a docker group owns the engine socket');
    const workDir = await mkdtemp(join(tmpdir(), 'baaaht-egress-nonroot-'));
    await chown(workDir, NOBODY, NOBODY);
    const script = `
      import { loadWorkerConfig } from ${JSON.stringify(join(ROOT, 'pkg/config/index.ts'))};
      import { createBuiltinToolRegistry } from ${JSON.stringify(join(ROOT, 'pkg/tools/index.ts'))};
      import { createWorker } from ${JSON.stringify(join(ROOT, 'pkg/worker/create-worker.ts'))};
      const warnings = [];
      const logger = { debug() {}, info() {}, error() {}, warn(message, meta) { warnings.push({ message, ...meta }); } };
      const config = loadWorkerConfig({ argv: ['--name', 'egress-nonroot', '--work-dir', ${JSON.stringify(workDir)}, '--web-network', ${JSON.stringify(network)}], env: {}, homeDir: '/nonexistent', hostname: 'nonroot' });
      const worker = await createWorker(config, logger, { tools: createBuiltinToolRegistry(config.tools), version: 't', hostname: 'nonroot' });
      await worker.audit.close();
      console.log(JSON.stringify({ uid: process.getuid(), toolTypes: worker.toolTypes, warnings }));`;
    try {
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          'setpriv',
          [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, `--groups=${dockerGid}`, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
          { cwd: ROOT, timeout: 120_000 },
          (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
        ),
      );
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { uid: number; toolTypes: string[]; warnings: Array<{ message: string; reason?: string }> };
      assert.equal(result.uid, NOBODY);
      const warning = result.warnings.find((w) => w.message === 'web egress unavailable; web tools not offered');
      assert.ok(warning, JSON.stringify(result.warnings));
      assert.match(warning.reason ?? '', /cannot install the egress firewall of br-[0-9a-f]{12} \(the worker needs root, or CAP_NET_ADMIN, and iptables\): .*Permission denied/);
      assert.ok(result.toolTypes.includes('file_read'), result.toolTypes.join(' '));
      assert.ok(!result.toolTypes.includes('fetch_url') && !result.toolTypes.includes('web_search'), result.toolTypes.join(' '));
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
