// #11 (worker side): the worker and the CLI dial a Unix socket only when its owner is trusted
// (themselves, root, --trust-socket-owner / TASK_TRUST_SOCKET_OWNER). A listener whose socket
// belongs to another uid (12345, made by chown as root) never sees a connection, so never the
// worker key; with the owner trusted the real worker registers with a real orchestrator.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import winston from 'winston';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createWorker, type WorkerParts } from '../../pkg/worker/index.js';
import { startOrchestrator, waitFor, type Harness } from '../rpc/harness.js';
import { ROOT } from '../support/processes.js';

const OTHER_UID = 12345;
const KEY = 'a-worker-key-that-must-not-leak';

/** A logger that keeps every line (JSON) for the test to read. */
function recordingLogger(): { logger: winston.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), lines };
}

/** A plain listener that counts connections and bytes: it must see none from an untrusting peer. */
async function countingListener(path: string): Promise<{ server: Server; connections: () => number; bytes: () => number }> {
  let connections = 0;
  let bytes = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('error', () => undefined);
  });
  server.listen(path);
  await once(server, 'listening');
  return { server, connections: () => connections, bytes: () => bytes };
}

function runCli(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cmd/task/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ORCHESTRATOR_URL: '', HOME: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  return once(child, 'close').then(([code]) => ({ code: code as number | null, stderr }));
}

describe('dialling only a trusted Unix socket', { skip: process.getuid?.() !== 0 ? 'needs root (chown)' : false }, () => {
  let dir: string;
  const workers: WorkerParts[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baaaht-trust-'));
  });
  after(async () => {
    for (const w of workers) await w.agent.shutdown('test over');
    await rm(dir, { recursive: true, force: true });
  });

  const startWorker = async (name: string, addr: string, extra: readonly string[] = []) => {
    const argv = [
      '--orchestrator-addr', addr, '--name', name, '--work-dir', join(dir, `work-${name}`), '--worker-key', KEY,
      '--reconnect-interval', '100ms', '--reconnect-max-interval', '200ms', '--dial-timeout', '2s', ...extra,
    ];
    const config = loadWorkerConfig({ argv, env: {}, homeDir: '/nonexistent', hostname: 't' });
    const { logger, lines } = recordingLogger();
    const w = await createWorker(config, logger, { tools: createBuiltinToolRegistry(config.tools), version: 't', hostname: 't' });
    workers.push(w);
    void w.agent.start().catch(() => undefined);
    return { w, lines };
  };

  it("the worker refuses a socket owned by another uid, says why, sends nothing and keeps retrying", async () => {
    const path = join(dir, 'impostor.sock');
    const listener = await countingListener(path);
    try {
      await chown(path, OTHER_UID, OTHER_UID);
      const { w, lines } = await startWorker('refusing', `unix://${path}`);
      const refusals = () => lines.filter((line) => line['message'] === 'orchestrator link failed' && /owned by uid 12345/.test(String(line['error'])));
      await waitFor(() => refusals().length >= 3, 15_000);
      const [first] = refusals();
      assert.match(String(first?.['error']), /refusing to connect to .*impostor\.sock: it is owned by uid 12345.*add --trust-socket-owner 12345/);
      assert.ok(lines.some((line) => line['message'] === 'reconnecting'), 'it keeps retrying');
      assert.equal(listener.connections(), 0, 'the untrusted listener saw no connection, so never the key');
      assert.equal(listener.bytes(), 0);
      assert.equal(w.agent.agentId, undefined);
      await w.agent.shutdown('test over');
    } finally {
      listener.server.close();
    }
  });

  it('with --trust-socket-owner 12345 the worker registers with an orchestrator on a socket uid 12345 owns', async () => {
    const h: Harness = await startOrchestrator({ workerKey: KEY });
    try {
      await chown(h.socketPath, OTHER_UID, OTHER_UID);
      const { w } = await startWorker('trusting', h.address, ['--trust-socket-owner', String(OTHER_UID)]);
      await waitFor(() => w.agent.connectionState === 'READY', 15_000);
      assert.deepEqual((await h.tasks.listWorkers({})).workers.map((worker) => worker.name), ['trusting']);
      await w.agent.shutdown('test over');
    } finally {
      await h.close();
    }
  });

  it('the CLI refuses such a socket (exit 125, naming the owner) unless TASK_TRUST_SOCKET_OWNER names it', async () => {
    const path = join(dir, 'cli.sock');
    const listener = await countingListener(path);
    const h: Harness = await startOrchestrator();
    try {
      await chown(path, OTHER_UID, OTHER_UID);
      const refused = await runCli(['--orchestrator-addr', `unix://${path}`, 'workers'], {});
      assert.equal(refused.code, 125);
      assert.match(refused.stderr, /cannot reach the orchestrator at unix:.*cli\.sock: refusing to connect .*owned by uid 12345/);
      assert.equal(listener.connections(), 0, 'the CLI sent nothing to the untrusted socket');

      await chown(h.socketPath, OTHER_UID, OTHER_UID);
      assert.equal((await runCli(['--orchestrator-addr', h.address, 'workers'], {})).code, 125);
      const trusted = await runCli(['--orchestrator-addr', h.address, 'workers'], { TASK_TRUST_SOCKET_OWNER: String(OTHER_UID) });
      assert.equal(trusted.code, 0, trusted.stderr);
    } finally {
      listener.server.close();
      await h.close();
    }
  });
});
