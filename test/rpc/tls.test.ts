// TLS on TCP: the real orchestrator server and real clients (configured through the worker's
// own option parser, and bin/task), with certificates made by openssl at test time. Also the
// real binaries' refusals at start (exit 2) and the --insecure warning.
import assert from 'node:assert/strict';
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientError, createClient, Metadata, Status, type Channel } from 'nice-grpc';
import { loadOrchestratorConfig, loadWorkerConfig } from '../../pkg/config/index.js';
import { AgentServiceDefinition, Task, TaskServiceDefinition } from '../../pkg/gen/agent/v1/agent.js';
import { PEER_CERTIFICATE_CN_METADATA } from '../../pkg/orchestrator/peer-certificate-interceptor.js';
import { bearerValue } from '../../pkg/rpc/client-token.js';
import { createOrchestrator, type Orchestrator } from '../../pkg/orchestrator/index.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { AGENT_TOKEN_METADATA } from '../../pkg/rpc/agent-token.js';
import { runBin, startBin, waitUntil, type Proc } from '../support/processes.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';
import { silentLogger } from './harness.js';

const MiB = 1024 * 1024;
const HOME = '/nonexistent';
/** The client token of the server-TLS orchestrators (mutual TLS needs none). */
const TOKEN = 'tls-test-token-0123456789';

/** A client tokens file (0600) in `dir` with one client, `tester`, holding TOKEN. */
function writeTokensFile(dir: string): string {
  const path = join(dir, 'client-tokens.yaml');
  writeFileSync(path, `clients: [{ name: tester, token: ${TOKEN} }]\n`);
  chmodSync(path, 0o600);
  return path;
}

/** Another client certificate signed by the test CA, with subject CN `cn`: { cert, key } paths. */
function makeClientCertificate(certs: TestCertificates, cn: string): { cert: string; key: string } {
  const name = cn.replace(/[^a-z0-9]/gi, '-');
  const at = (file: string): string => join(certs.dir, file);
  writeFileSync(at(`${name}.ext`), 'extendedKeyUsage=clientAuth\n');
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: certs.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  return { cert: at(`${name}.crt`), key: at(`${name}.key`) };
}

const fileRead = (path: string): Task => Task.fromPartial({ toolType: 'file_read', mountSource: '/m', params: { $case: 'fileRead', fileRead: { path } } });

const registration = (name: string) => ({
  name,
  hostname: 'h',
  pid: 1,
  version: 'v',
  labels: {},
  capabilities: { toolTypes: ['file_read'], maxConcurrentTasks: 1, runtimes: [] },
  agentId: '',
  bootId: 'b',
});

describe('TLS over TCP (real orchestrator, real clients)', () => {
  let certs: TestCertificates;
  const orchestrators: Orchestrator[] = [];
  const channels: Channel[] = [];

  before(() => {
    certs = makeTestCertificates();
  });
  after(async () => {
    for (const c of channels) c.close();
    for (const o of orchestrators) await o.close();
    certs.remove();
  });

  /** An orchestrator on 127.0.0.1:<free port> serving TLS, configured by its own parser (give --client-tokens or --tls-client-ca). */
  const startTlsOrchestrator = async (extra: readonly string[] = []): Promise<Orchestrator> => {
    const argv = ['--listen', '127.0.0.1:0', '--data-dir', ':memory:', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, ...extra];
    const o = createOrchestrator(loadOrchestratorConfig({ argv, env: {}, homeDir: HOME }), silentLogger(), { closeGraceMs: 500 });
    orchestrators.push(o);
    await o.listen();
    return o;
  };

  /**
   * Clients configured as a worker is: --orchestrator-addr plus the given TLS flags; the
   * TaskService client sends TOKEN, or `metadata` when given.
   */
  const connect = (address: string, argv: readonly string[], metadata: Record<string, string> = { authorization: bearerValue(TOKEN) }) => {
    const config = loadWorkerConfig({ argv: ['--orchestrator-addr', address, ...argv], env: TEST_WORKER_ENV, homeDir: HOME, hostname: 't' });
    const channel = createGrpcChannel(config.orchestratorAddr, {
      maxRecvMsgSize: MiB,
      maxSendMsgSize: MiB,
      tls: config.tls,
      insecure: config.insecure,
    });
    channels.push(channel);
    return {
      agents: createClient(AgentServiceDefinition, channel),
      tasks: createClient(TaskServiceDefinition, channel, { '*': { metadata: Metadata(metadata) } }),
    };
  };

  const refused = async (call: Promise<unknown>): Promise<void> => {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof ClientError, String(error));
      assert.equal(error.code, Status.UNAVAILABLE, error.message);
      return true;
    });
  };

  describe('server TLS', () => {
    let o: Orchestrator;
    before(async () => {
      o = await startTlsOrchestrator(['--client-tokens', writeTokensFile(certs.dir)]);
    });

    it('refuses to start without client tokens or a client CA: it would accept anonymous clients', () => {
      const argv = ['--listen', '127.0.0.1:0', '--data-dir', ':memory:', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey];
      assert.throws(() => loadOrchestratorConfig({ argv, env: {}, homeDir: HOME }), /would accept anonymous clients from the network/);
    });

    it('TaskService needs the token: without it UNAUTHENTICATED, even over TLS', async () => {
      const { tasks } = connect(o.address, ['--ca-cert', certs.caCert], {});
      await assert.rejects(tasks.listWorkers({}), (error: unknown) => error instanceof ClientError && error.code === Status.UNAUTHENTICATED);
    });

    it('a client that trusts the CA registers and makes a unary call', async () => {
      const { agents, tasks } = connect(o.address, ['--ca-cert', certs.caCert]);
      const { agentId, resumeToken } = await agents.register(registration('tls-worker'));
      assert.ok(agentId);
      assert.deepEqual(await agents.heartbeat({ agentId }, { metadata: Metadata({ [AGENT_TOKEN_METADATA]: resumeToken }) }), { known: true, revoked: [] });
      assert.ok((await tasks.listWorkers({})).workers.some((w) => w.name === 'tls-worker'));
    });

    it('checks the name: localhost by its name; 127.0.0.1 with --tls-server-name localhost; a wrong name is refused', async () => {
      const port = o.address.split(':').at(-1)!;
      await connect(`localhost:${port}`, ['--ca-cert', certs.caCert]).tasks.listWorkers({});
      await connect(o.address, ['--ca-cert', certs.caCert, '--tls-server-name', 'localhost']).tasks.listWorkers({});
      await refused(connect(o.address, ['--ca-cert', certs.caCert, '--tls-server-name', 'wrong.example']).tasks.listWorkers({}));
    });

    it('refuses a server certificate from a CA the client does not trust', async () => {
      await refused(connect(o.address, ['--ca-cert', certs.otherCaCert]).agents.register(registration('wrong-ca')));
    });

    it('a plaintext client cannot talk to the TLS server', async () => {
      await refused(connect(o.address, ['--insecure']).tasks.listWorkers({}));
    });
  });

  describe('mutual TLS (--tls-client-ca)', () => {
    let o: Orchestrator;
    before(async () => {
      o = await startTlsOrchestrator(['--tls-client-ca', certs.caCert]);
    });

    it('refuses a client without a certificate', async () => {
      await refused(connect(o.address, ['--ca-cert', certs.caCert]).agents.register(registration('no-cert')));
    });

    it('refuses a client certificate signed by an untrusted CA', async () => {
      const argv = ['--ca-cert', certs.caCert, '--cert', certs.otherClientCert, '--key', certs.otherClientKey];
      await refused(connect(o.address, argv).agents.register(registration('other-ca-cert')));
    });

    it("names clients by their certificate's CN: each sees only its own tasks, and a CN sent as metadata is ignored", async () => {
      const other = makeClientCertificate(certs, 'tenant-b');
      const a = connect(o.address, ['--ca-cert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey]);
      // b claims a's CN in the metadata the server uses internally: the server replaces it.
      const b = connect(o.address, ['--ca-cert', certs.caCert, '--cert', other.cert, '--key', other.key], {
        [PEER_CERTIFICATE_CN_METADATA]: 'baaaht client',
      });
      const { taskId } = await a.tasks.submitTask({ task: fileRead('a'), worker: '', group: '', labels: {} });
      assert.equal((await a.tasks.getTask({ taskId })).taskId, taskId);
      assert.ok((await a.tasks.listTasks({ recentFinished: 10 })).tasks.some((t) => t.taskId === taskId));
      await assert.rejects(b.tasks.getTask({ taskId }), (error: unknown) => error instanceof ClientError && error.code === Status.NOT_FOUND);
      assert.deepEqual(await b.tasks.cancelTask({ taskId, force: true }), { found: false });
      assert.ok(!(await b.tasks.listTasks({ recentFinished: 10 })).tasks.some((t) => t.taskId === taskId));
    });

    it('accepts a client certificate signed by the client CA', async () => {
      const { agents, tasks } = connect(o.address, ['--ca-cert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey]);
      const { agentId } = await agents.register(registration('mtls-worker'));
      assert.ok(agentId);
      assert.deepEqual((await tasks.listWorkers({})).workers.map((w) => w.name), ['mtls-worker']);
    });
  });
});

describe('TLS with the real binaries', () => {
  let certs: TestCertificates;
  const procs: Proc[] = [];
  before(() => {
    certs = makeTestCertificates();
  });
  after(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    certs.remove();
  });

  const start = (args: readonly string[]): Proc => {
    const p = startBin('orchestrator', ['--data-dir', ':memory:', '--log-format', 'json', ...args]);
    procs.push(p);
    return p;
  };
  /** The address from the orchestrator's "orchestrator listening" log line. */
  const listening = (p: Proc): Promise<string> =>
    waitUntil(
      () => {
        for (const line of p.output().stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          const entry = JSON.parse(line) as { message?: string; address?: string };
          if (entry.message === 'orchestrator listening' && entry.address) return entry.address;
        }
        if (p.child.exitCode !== null) throw new Error(`the orchestrator exited: ${JSON.stringify(p.output())}`);
        return undefined;
      },
      15_000,
      'orchestrator listening',
    );

  it('bin/orchestrator refuses a plaintext TCP listener without --insecure (exit 2, naming the fix)', async () => {
    const r = await runBin('orchestrator', ['--listen', '127.0.0.1:0', '--data-dir', ':memory:']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--listen 127\.0\.0\.1:0 is a TCP address.*--tls-cert FILE --tls-key FILE.*--insecure/);
  });

  it('bin/worker refuses a TCP orchestrator without TLS or --insecure (exit 2, naming the fix)', async () => {
    const r = await runBin('worker', ['--orchestrator-addr', '127.0.0.1:7070']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--orchestrator-addr 127\.0\.0\.1:7070 is a TCP address.*--ca-cert FILE.*--insecure/);
  });

  it('bin/task refuses it as a usage error; unreadable files are config errors naming the option', async () => {
    const task = await runBin('task', ['--orchestrator-addr', '127.0.0.1:7070', 'workers']);
    assert.equal(task.code, 126, task.stderr);
    assert.match(task.stderr, /--ca-cert FILE.*--insecure/);
    const missing = await runBin('task', ['--orchestrator-addr', '127.0.0.1:7070', '--ca-cert', '/nonexistent/ca.crt', 'workers']);
    assert.equal(missing.code, 126, missing.stderr);
    assert.match(missing.stderr, /invalid value for --ca-cert: \/nonexistent\/ca\.crt cannot be read \(ENOENT\)/);
    const orchestrator = await runBin('orchestrator', ['--listen', '127.0.0.1:0', '--tls-cert', certs.serverCert, '--tls-key', certs.caCert]);
    assert.equal(orchestrator.code, 2, orchestrator.stderr);
    assert.match(orchestrator.stderr, /invalid value for --tls-key: .*ca\.crt is not a PEM private key file/);
    const worker = await runBin('worker', ['--orchestrator-addr', '127.0.0.1:7070', '--cert', certs.clientCert, '--key', certs.otherClientKey]);
    assert.equal(worker.code, 2, worker.stderr);
    assert.match(worker.stderr, /invalid value for --key: the key is not the private key of the certificate in --cert/);
  });

  it('--insecure: the orchestrator and the CLI warn, and plaintext works', async () => {
    const o = start(['--listen', '127.0.0.1:0', '--insecure']);
    const address = await listening(o);
    const warning = o.output().stdout.split('\n').find((line) => line.includes('INSECURE'));
    assert.ok(warning, o.output().stdout);
    assert.equal((JSON.parse(warning) as { level: string }).level, 'warn');
    assert.match(warning, /listening on 127\.0\.0\.1:\d+ over plaintext TCP \(--insecure\)/);
    const r = await runBin('task', ['--orchestrator-addr', address, '--insecure', 'workers', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
    assert.match(r.stderr, /^warning: INSECURE: connecting to 127\.0\.0\.1:\d+ over plaintext TCP/);
  });

  it('mutual TLS: bin/task with a client certificate lists workers; without one it fails', async () => {
    const o = start(['--listen', '127.0.0.1:0', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-client-ca', certs.caCert]);
    const address = await listening(o);
    assert.ok(!o.output().stdout.includes('INSECURE'));
    const good = await runBin('task', ['--orchestrator-addr', address, '--ca-cert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey, 'workers', '--json']);
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(JSON.parse(good.stdout), []);
    assert.doesNotMatch(good.stderr, /INSECURE|error/); // (grpc-js sends an IP as TLS server name: Node's DEP0123 may show)
    const noCert = await runBin('task', ['--orchestrator-addr', address, '--ca-cert', certs.caCert, 'workers']);
    assert.equal(noCert.code, 125, noCert.stderr);
  });
});
