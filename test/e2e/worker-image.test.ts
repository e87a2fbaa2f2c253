// The worker image as an operator runs it: built by scripts/build-worker-image.sh (no registry:
// a Node base made locally when node:20-bookworm-slim is not present), started with `docker run`
// beside a host bin/orchestrator. The container shares the orchestrator's socket directory and
// the engine's socket, and sees the workspace at the same path as the host (the engine binds host
// paths, the worker checks them in its own mount namespace). The orchestrator gives its socket to
// the image user's group (--socket-group), so the worker connects as its non-root user.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createClient, type Channel } from 'nice-grpc';
import { Task, TaskServiceDefinition, TaskState, type TaskServiceClient, type WorkerInfo } from '../../pkg/gen/agent/v1/agent.js';
import { createGrpcChannel } from '../../pkg/rpc/create-channel.js';
import { LABELS } from '../../pkg/runtime/index.js';
import { collect, MiB } from '../rpc/harness.js';
import { docker as engine, makeWorkspace } from '../support/docker-fixtures.js';
import { ROOT, startBin, waitUntil, type Proc } from '../support/processes.js';

const run = promisify(execFile);
const DOCKER_SOCKET = '/var/run/docker.sock';

async function dockerCli(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: timeoutMs, maxBuffer: 16 * MiB });
  return stdout.trim();
}

describe('worker image: docker run beside a host orchestrator', () => {
  const suffix = randomBytes(4).toString('hex');
  const containerName = `baaaht-test-worker-image-${suffix}`;
  const workerName = `image-worker-${suffix}`;
  let image: string;
  let imageUser: string;
  let dir: string;
  let socketDir: string;
  let address: string;
  let orchestrator: Proc | undefined;
  let channel: Channel | undefined;
  let tasks: TaskServiceClient;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let containerStarted = false;
  let pinDir = '';

  const registered = async (): Promise<WorkerInfo | undefined> =>
    (await tasks.listWorkers({})).workers.find((w) => w.name === workerName && w.connected);
  const containerLogs = async (): Promise<string> => {
    const { stdout, stderr } = await run('docker', ['logs', containerName], { timeout: 30_000, maxBuffer: 16 * MiB });
    return stdout + stderr;
  };

  before(async () => {
    // Builds the image, or keeps it when its inputs are unchanged; a clean machine builds the local Node base too.
    const { stdout } = await run('bash', [join(ROOT, 'scripts/build-worker-image.sh')], { cwd: ROOT, timeout: 15 * 60_000, maxBuffer: 16 * MiB });
    image = stdout.trim().split('\n').at(-1) ?? '';
    assert.match(image, /^baaaht\/worker:\d+\.\d+\.\d+/);
    imageUser = await dockerCli(['image', 'inspect', '-f', '{{.Config.User}}', image]);

    dir = await mkdtemp('/tmp/bwi-');
    socketDir = join(dir, 'sock');
    address = `unix://${socketDir}/o.sock`;
    const imageGid = imageUser.split(':')[1] ?? '';
    assert.match(imageGid, /^\d+$/, `the image's user names a numeric group: ${imageUser}`);
    orchestrator = startBin('orchestrator', ['--listen', address, '--socket-group', imageGid, '--data-dir', join(dir, 'data'), '--log-format', 'json']);
    await waitUntil(() => existsSync(join(socketDir, 'o.sock')), 15_000, 'orchestrator socket');
    channel = createGrpcChannel(address, { maxRecvMsgSize: 4 * MiB, maxSendMsgSize: 4 * MiB });
    tasks = createClient(TaskServiceDefinition, channel);
    ws = await makeWorkspace({ 'hello.txt': 'hello from a containerized worker\n' });

    // The worker pins each judged mount directory with a bind mount in --mount-pin-dir; the
    // engine must see those mounts, so that directory is a shared mount on the host and bound
    // into the container with rshared propagation (the worker runs as root with CAP_SYS_ADMIN there).
    pinDir = join(dir, 'pins');
    await mkdir(pinDir, { mode: 0o700 });
    await run('mount', ['--bind', pinDir, pinDir]);
    await run('mount', ['--make-shared', pinDir]);
    const dockerGid = String((await stat(DOCKER_SOCKET)).gid);
    containerStarted = true; // from here on, after() removes it even if `docker run` fails half-way
    await dockerCli([
      'run', '-d', '--name', containerName,
      '--group-add', dockerGid,
      '-v', `${DOCKER_SOCKET}:${DOCKER_SOCKET}`,
      '-v', `${socketDir}:${socketDir}`,
      '-v', `${ws.dir}:${ws.dir}`,
      '--user', '0:0', '--cap-add', 'SYS_ADMIN', '--security-opt', 'apparmor=unconfined',
      '-v', `${pinDir}:${pinDir}:rshared`,
      // The image's check, run every second so that the test need not wait the image's 30 s.
      '--health-interval', '1s', '--health-timeout', '5s', '--health-retries', '3',
      image,
      '--orchestrator-addr', address,
      '--name', workerName,
      '--heartbeat-interval', '1s',
      '--reconnect-interval', '200ms',
      '--mount-root', `${ws.dir}:owner`,
      '--mount-pin-dir', pinDir,
    ]);
  }, { timeout: 20 * 60_000 });

  after(async () => {
    if (containerStarted) await run('docker', ['rm', '-f', containerName], { timeout: 60_000 }).catch(() => undefined);
    channel?.close();
    await orchestrator?.stop('SIGTERM');
    await ws?.cleanup();
    if (pinDir) await run('umount', ['--lazy', pinDir]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is built to run as a non-root user with tini and a HEALTHCHECK on /healthz', async () => {
    assert.match(imageUser, /^[1-9]\d*:[1-9]\d*$/, `non-root user: ${imageUser}`);
    const config = JSON.parse(await dockerCli(['image', 'inspect', '-f', '{{json .Config}}', image])) as {
      Entrypoint: string[];
      Env: string[];
      Healthcheck?: { Test: string[] };
    };
    assert.equal(config.Entrypoint[0], '/usr/bin/tini');
    assert.ok(config.Env.includes('WORKER_METRICS_ADDR=127.0.0.1:9464'), config.Env.join(' '));
    assert.deepEqual(config.Healthcheck?.Test, ['CMD', 'node', '/opt/baaaht/healthcheck.mjs']);
    // The orchestrator's native module is not in the worker's image.
    const modules = await dockerCli(['run', '--rm', '--entrypoint', 'ls', image, '/opt/baaaht/node_modules']);
    assert.ok(modules.split('\n').includes('dockerode'), modules);
    assert.ok(!modules.split('\n').includes('better-sqlite3'), 'better-sqlite3 is the orchestrator\'s only');
  });

  it('registers with the host orchestrator (run as root in its container, to pin mounts), without the web tools (their egress proxy cannot listen here)', async () => {
    const worker = await waitUntil(registered, 60_000, 'registration of the containerized worker').catch(async (error: unknown) => {
      throw new Error(`${String(error)}; worker log:\n${await containerLogs()}`);
    });
    assert.ok(worker.capabilities?.toolTypes.includes('file_read'), JSON.stringify(worker.capabilities));
    assert.ok(!worker.capabilities?.toolTypes.includes('fetch_url'), JSON.stringify(worker.capabilities));
    assert.equal(await dockerCli(['exec', containerName, 'id', '-u']), '0');
    assert.doesNotMatch(await containerLogs(), /mount sources cannot be pinned/);
    assert.match(await containerLogs(), /web egress unavailable; web tools not offered.*EADDRNOTAVAIL/);
  });

  it('runs a file_read on the host workspace; the result names the containerized worker', async () => {
    await waitUntil(registered, 60_000, 'registration');
    const r = await collect(
      tasks.runTask({
        task: Task.fromPartial({ toolType: 'file_read', mountSource: ws.dir, params: { $case: 'fileRead', fileRead: { path: 'hello.txt' } } }),
      }),
    );
    assert.equal(r.result.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(r.result.error));
    assert.equal(r.result.exitCode, 0);
    assert.equal(r.stdout, 'hello from a containerized worker\n');
    assert.equal(r.result.worker, workerName);
  });

  it('turns healthy by its HEALTHCHECK', async () => {
    const status = await waitUntil(
      async () => {
        const s = await dockerCli(['inspect', '-f', '{{.State.Health.Status}}', containerName]);
        return s === 'healthy' || s === 'unhealthy' ? s : undefined;
      },
      60_000,
      'a health verdict',
    );
    assert.equal(status, 'healthy', await dockerCli(['inspect', '-f', '{{json .State.Health}}', containerName]));
  });

  it('leaves no task container behind, and stops cleanly on docker stop (tini passes SIGTERM on)', async () => {
    const left = await engine.listContainers({ all: true, filters: { label: [`${LABELS.workerId}=${workerName}`] } });
    assert.deepEqual(left.map((c) => c.Id), []);
    await dockerCli(['stop', '--time', '30', containerName], 60_000);
    const state = JSON.parse(await dockerCli(['inspect', '-f', '{{json .State}}', containerName])) as { ExitCode: number; Running: boolean };
    assert.equal(state.Running, false);
    assert.equal(state.ExitCode, 0, await containerLogs());
    assert.match(await containerLogs(), /signal received: shutting down.*SIGTERM/);
  });
});
