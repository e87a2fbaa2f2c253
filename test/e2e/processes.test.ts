// The shipped executables as a user runs them: bin/orchestrator, bin/worker and bin/task as
// separate processes on a Unix socket, with the real Docker engine behind the worker.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { runBin, startBin, waitUntil, type Proc } from '../support/processes.js';

interface WorkerJson {
  name: string;
  agentId: string;
  connected: boolean;
}

describe('bin/orchestrator + bin/worker + bin/task (separate processes)', () => {
  let dir: string;
  let addr: string;
  let orchestrator: Proc | undefined;
  let worker: Proc | undefined;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;

  const workers = async (): Promise<WorkerJson[]> => {
    const r = await runBin('task', ['--orchestrator-addr', addr, 'workers', '--json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as WorkerJson[]) : [];
  };
  const startOrchestrator = (): Proc => startBin('orchestrator', ['--listen', addr, '--data-dir', `${dir}/data`, '--log-format', 'json']);

  before(async () => {
    dir = await mkdtemp('/tmp/bp-');
    addr = `unix://${dir}/grpc.sock`;
    ws = await makeWorkspace({ 'hello.txt': 'hello from a process test\n' });
  });

  after(async () => {
    await worker?.stop('SIGKILL');
    await orchestrator?.stop('SIGKILL');
    await ws?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('an invalid option stops the worker at start with a message naming it', async () => {
    const r = await runBin('worker', ['--heartbeat-interval', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--heartbeat-interval/);
  });

  it('a worker started before its orchestrator keeps trying, then registers', async () => {
    worker = startBin('worker', [
      '--orchestrator-addr', addr,
      '--name', 'proc-worker',
      '--reconnect-interval', '200ms',
      '--dial-timeout', '300ms',
      '--heartbeat-interval', '500ms',
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(worker.child.exitCode, null, 'still running without an orchestrator');
    assert.match(worker.output().stdout, /reconnecting/);
    orchestrator = startOrchestrator();
    const registered = await waitUntil(async () => (await workers()).find((w) => w.name === 'proc-worker' && w.connected), 15_000, 'registration');
    assert.ok(registered.agentId);
  });

  it('bin/task runs file_read and prints the file, exiting with the tool exit code', async () => {
    const r = await runBin('task', ['--orchestrator-addr', addr, 'run', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hello from a process test\n');
    const missing = await runBin('task', ['--orchestrator-addr', addr, 'run', 'file_read', '--mount', ws.dir, '--param', 'path=absent.txt', '--json']);
    const json = JSON.parse(missing.stdout) as { state: string; exitCode: number; stderr: string; worker: string };
    assert.equal(json.state, 'COMPLETED');
    assert.equal(json.exitCode, 1);
    assert.equal(missing.code, 1);
    assert.match(json.stderr, /No such file/);
    assert.equal(json.worker, 'proc-worker');
  });

  it('bin/task writes a file from --param content=@FILE', async () => {
    const source = join(dir, 'content.bin');
    const content = Buffer.alloc(3 * 1024 * 1024, 'baaaht ');
    await writeFile(source, content);
    const r = await runBin('task', ['--orchestrator-addr', addr, 'run', 'file_write', '--mount', ws.dir, '--writable', '--param', 'path=copied.bin', '--param', `content=@${source}`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await readFile(join(ws.dir, 'copied.bin'))).equals(content));
  });

  it('re-registers by itself after the orchestrator restarts', async () => {
    const before = (await workers()).find((w) => w.name === 'proc-worker');
    assert.ok(before);
    assert.equal(await orchestrator?.stop('SIGTERM'), 0, 'the orchestrator exits 0 on SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(worker?.child.exitCode, null, 'the worker survives the outage');
    orchestrator = startOrchestrator();
    const after = await waitUntil(async () => (await workers()).find((w) => w.name === 'proc-worker' && w.connected), 15_000, 're-registration');
    assert.notEqual(after.agentId, before.agentId, 'a new registration');
    const r = await runBin('task', ['--orchestrator-addr', addr, 'run', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt']);
    assert.equal(r.stdout, 'hello from a process test\n');
  });

  it('the socket is not world-accessible', async () => {
    const mode = (await stat(join(dir, 'grpc.sock'))).mode & 0o777;
    assert.equal(mode & 0o007, 0);
    assert.equal(mode, 0o600);
  });

  it('SIGTERM: the worker unregisters and exits 0', async () => {
    assert.equal(await worker?.stop('SIGTERM'), 0);
    const lines = worker?.output().stdout ?? '';
    assert.match(lines, /unregistered/);
    await waitUntil(async () => !(await workers()).some((w) => w.name === 'proc-worker'), 5_000, 'the orchestrator forgot the worker');
    worker = undefined;
  });

  it('gives up after --reconnect-max-attempts with a non-zero exit and a clear message', async () => {
    const r = await runBin('worker', ['--orchestrator-addr', `unix://${dir}/nobody.sock`, '--reconnect-interval', '100ms', '--dial-timeout', '200ms', '--reconnect-max-attempts', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /after 2 attempts/);
  });
});
