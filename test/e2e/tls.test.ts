// The real bin/worker over TCP: mutual TLS with bin/orchestrator, and --insecure with its warning.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBin, startBin, waitUntil, type Proc } from '../support/processes.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';

/** The address from the orchestrator's JSON "orchestrator listening" log line. */
function listening(p: Proc): Promise<string> {
  return waitUntil(
    () => {
      if (p.child.exitCode !== null) throw new Error(`the orchestrator exited: ${JSON.stringify(p.output())}`);
      const line = p.output().stdout.split('\n').find((l) => l.includes('"orchestrator listening"'));
      return line === undefined ? undefined : (JSON.parse(line) as { address: string }).address;
    },
    15_000,
    'orchestrator listening',
  );
}

describe('bin/worker over TCP', () => {
  let certs: TestCertificates;
  let dir: string;
  const procs: Proc[] = [];
  before(async () => {
    certs = makeTestCertificates();
    dir = await mkdtemp('/tmp/bt-');
  });
  after(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    certs.remove();
    await rm(dir, { recursive: true, force: true });
  });
  const start = (name: 'orchestrator' | 'worker', args: readonly string[]): Proc => {
    const p = startBin(name, [...args, '--log-format', 'json']);
    procs.push(p);
    return p;
  };
  const workerNames = async (address: string, tls: readonly string[]): Promise<string[]> => {
    const r = await runBin('task', ['--orchestrator-addr', address, ...tls, 'workers', '--json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as { name: string; connected: boolean }[]).filter((w) => w.connected).map((w) => w.name) : [];
  };

  it('registers over mutual TLS with --ca-cert, --cert and --key (by name: localhost)', async () => {
    const o = start('orchestrator', ['--listen', '127.0.0.1:0', '--data-dir', ':memory:', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-client-ca', certs.caCert]);
    const port = (await listening(o)).split(':').at(-1)!;
    const client = ['--ca-cert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey];
    const w = start('worker', ['--orchestrator-addr', `localhost:${port}`, ...client, '--name', 'tls-worker', '--work-dir', join(dir, 'w1'), '--reconnect-interval', '200ms']);
    await waitUntil(async () => (await workerNames(`localhost:${port}`, client)).includes('tls-worker'), 30_000, 'tls-worker registered');
    assert.ok(!w.output().stdout.includes('INSECURE'));
  });

  it('--insecure: plaintext works and the worker logs the warning at WARN', async () => {
    const o = start('orchestrator', ['--listen', '127.0.0.1:0', '--data-dir', ':memory:', '--insecure']);
    const address = await listening(o);
    const w = start('worker', ['--orchestrator-addr', address, '--insecure', '--name', 'plain-worker', '--work-dir', join(dir, 'w2'), '--reconnect-interval', '200ms']);
    await waitUntil(async () => (await workerNames(address, ['--insecure'])).includes('plain-worker'), 30_000, 'plain-worker registered');
    const warning = w.output().stdout.split('\n').find((line) => line.includes('INSECURE'));
    assert.ok(warning, w.output().stdout);
    assert.equal((JSON.parse(warning) as { level: string }).level, 'warn');
    assert.match(warning, /connecting to 127\.0\.0\.1:\d+ over plaintext TCP \(--insecure\)/);
  });
});
