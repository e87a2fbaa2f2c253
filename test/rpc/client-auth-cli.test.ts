// Client authentication with the real binaries (#11): bin/orchestrator refuses a TLS listener
// that would accept anonymous clients (exit 2), and with --client-tokens bin/task authenticates
// with --token-file or BAAAHT_TOKEN (never a flag taking the token) and reaches only its own tasks.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBin, startBin, waitUntil, type Proc } from '../support/processes.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';

const ALICE = 'alice-cli-token-0123456789';
const BOB = 'bob-cli-token-0123456789ab';

describe('client tokens with bin/orchestrator and bin/task', () => {
  let certs: TestCertificates;
  let orchestrator: Proc;
  let address: string;
  let aliceFile: string;
  let bobFile: string;

  before(async () => {
    certs = makeTestCertificates();
    const tokens = join(certs.dir, 'tokens.yaml');
    writeFileSync(tokens, `clients:\n  - { name: alice, token: ${ALICE} }\n  - { name: bob, token: ${BOB} }\n`);
    chmodSync(tokens, 0o600);
    aliceFile = join(certs.dir, 'alice.token');
    writeFileSync(aliceFile, `${ALICE}\n`, { mode: 0o600 });
    bobFile = join(certs.dir, 'bob.token');
    writeFileSync(bobFile, BOB, { mode: 0o600 });
    orchestrator = startBin('orchestrator', [
      '--listen', '127.0.0.1:0', '--data-dir', ':memory:', '--log-format', 'json',
      '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--client-tokens', tokens,
    ]);
    address = await waitUntil(
      () => {
        for (const line of orchestrator.output().stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          const entry = JSON.parse(line) as { message?: string; address?: string };
          if (entry.message === 'orchestrator listening' && entry.address) return entry.address;
        }
        if (orchestrator.child.exitCode !== null) throw new Error(`the orchestrator exited: ${JSON.stringify(orchestrator.output())}`);
        return undefined;
      },
      15_000,
      'orchestrator listening',
    );
  });
  after(async () => {
    await orchestrator?.stop('SIGKILL');
    certs.remove();
  });

  const task = (args: readonly string[]) => runBin('task', ['--orchestrator-addr', address, '--ca-cert', certs.caCert, ...args]);

  it('bin/orchestrator refuses TLS without --client-tokens or --tls-client-ca (exit 2, naming the fix)', async () => {
    const r = await runBin('orchestrator', ['--listen', '127.0.0.1:0', '--data-dir', ':memory:', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /would accept anonymous clients from the network.*--client-tokens FILE.*--tls-client-ca FILE/);
  });

  it('without a token: UNAUTHENTICATED (exit 125); there is no flag that takes the token itself', async () => {
    const none = await task(['workers']);
    assert.equal(none.code, 125, none.stderr);
    assert.match(none.stderr, /requires a client token/);
    const flag = await task(['--token', ALICE, 'workers']);
    assert.equal(flag.code, 126, flag.stderr);
  });

  it('--token-file and BAAAHT_TOKEN authenticate; a malformed token file is a usage error', async () => {
    const fromFile = await task(['--token-file', aliceFile, 'workers', '--json']);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(JSON.parse(fromFile.stdout), []);
    process.env['BAAAHT_TOKEN'] = BOB;
    try {
      const fromEnv = await task(['workers', '--json']);
      assert.equal(fromEnv.code, 0, fromEnv.stderr);
    } finally {
      delete process.env['BAAAHT_TOKEN'];
    }
    const short = join(certs.dir, 'short.token');
    writeFileSync(short, 'short\n');
    const bad = await task(['--token-file', short, 'workers']);
    assert.equal(bad.code, 126, bad.stderr);
    assert.match(bad.stderr, /--token-file .*short\.token: a client token is at least 16 printable characters/);
  });

  it("bob cannot get or cancel alice's task: it answers as an unknown id", async () => {
    const submitted = await task(['--token-file', aliceFile, 'run', 'file_read', '--param', 'path=x', '--detach']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const taskId = submitted.stdout.trim();
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    const mine = await task(['--token-file', aliceFile, 'get', taskId, '--json']);
    assert.equal(mine.code, 125, mine.stderr); // finished NO_WORKER: run's exit code for a task that failed to run
    assert.equal((JSON.parse(mine.stdout) as { taskId: string }).taskId, taskId);
    const theirs = await task(['--token-file', bobFile, 'get', taskId]);
    assert.equal(theirs.code, 1, theirs.stderr);
    const unknown = await task(['--token-file', bobFile, 'get', '00000000-0000-4000-8000-000000000000']);
    assert.equal(unknown.code, 1, unknown.stderr);
    const answer = (stderr: string, id: string): string | undefined => stderr.split('\n').find((line) => line.includes(id))?.replace(id, 'ID');
    assert.ok(answer(theirs.stderr, taskId), theirs.stderr);
    assert.equal(answer(theirs.stderr, taskId), answer(unknown.stderr, '00000000-0000-4000-8000-000000000000'));
    const cancel = await task(['--token-file', bobFile, 'cancel', taskId]);
    assert.equal(cancel.code, 1, cancel.stderr);
  });
});
