// The warm pool against the real Docker engine: claims, refill, prediction, expiry, caps, stops,
// confinement, gVisor, close, and the reaper after a crash.
import { statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { identityOf, MountPinner } from '../../pkg/mounts/index.js';
import { repinDirectory } from '../../pkg/worker/create-worker.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ContainerReaper,
  ContainerRunner,
  LABELS,
  WarmPool,
  type ContainerSpec,
  type RunEvent,
  type WarmPoolOptions,
} from '../../pkg/runtime/index.js';
import { docker, makeWorkspace, testContainerSpec } from '../support/docker-fixtures.js';

interface Collected {
  stdout: Buffer;
  stderr: Buffer;
  exit: Extract<RunEvent, { type: 'exit' }>;
  containerId: string;
  profile: string;
}

async function collect(events: AsyncIterable<RunEvent>, onStarted?: (id: string) => void | Promise<void>): Promise<Collected> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let exit: Collected['exit'] | undefined;
  let containerId = '';
  let profile = '';
  for await (const event of events) {
    if (event.type === 'started') {
      containerId = event.containerId;
      profile = event.profile;
      await onStarted?.(containerId);
    } else if (event.type === 'output') (event.stream === 'stdout' ? out : err).push(event.data);
    else exit = event;
  }
  assert.ok(exit, 'the run reported an exit');
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exit, containerId, profile };
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const never = new AbortController().signal;
const run = { signal: never, outputCapBytes: 4 << 20 };
const pools: WarmPool[] = [];
const workerIds: string[] = [];

/** A pool of its own worker id (and the spec maker of that worker). */
function makePool(over: Partial<WarmPoolOptions> = {}): { pool: WarmPool; runner: ContainerRunner; workerId: string; spec: (argv: string[], o?: Partial<ContainerSpec>) => ContainerSpec } {
  const workerId = `test-warm-${randomBytes(4).toString('hex')}`;
  workerIds.push(workerId);
  const runner = new ContainerRunner({ docker, engineCallTimeoutMs: 15_000, defaultRuntime: 'runc', removal: 'background' });
  const pool = new WarmPool({
    docker,
    runner,
    workerId,
    bootId: 'boot-1',
    perKey: 1,
    maxTotal: 4,
    idleMs: 60_000,
    maxTaskMs: 120_000,
    sweepIntervalMs: 100,
    repin: (mount) => repinDirectory(pinner!, mount),
    ...over,
  });
  pools.push(pool);
  return { pool, runner, workerId, spec: (argv, o = {}) => testContainerSpec(workerId, argv, o) };
}

/** Pins every warm container's mount again, as the worker does (set in before()). */
let pinner: MountPinner | undefined;

async function poolContainers(workerId: string): Promise<Array<{ Id: string; State: string; Labels: Record<string, string> }>> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.workerId}=${workerId}`, LABELS.poolSlot] } });
}

/** One cold run to learn the image's label, then one miss that warms the key; resolves once it is warm. */
async function warmUp(pool: WarmPool, spec: ContainerSpec, count = 1): Promise<void> {
  await collect(pool.run(spec, run));
  await waitUntil(() => pool.stats().keys.some((key) => key.warm >= count), 20_000, 'a warm container');
}

describe('WarmPool (real Docker)', () => {
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let mount: ContainerSpec['mount'];
  before(async () => {
    ws = await makeWorkspace({ 'hello.txt': 'hello from the host\n' });
    pinner = await MountPinner.create(join(ws.dir, '..', `${basename(ws.dir)}-pins`));
    mount = { source: ws.dir, target: '/workspace', writable: false, identity: identityOf(statSync(ws.dir, { bigint: true })), origin: ws.dir };
  });
  after(async () => {
    for (const pool of pools) await pool.close();
    for (const workerId of workerIds) {
      for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.workerId}=${workerId}`] } })) {
        await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      }
    }
    await ws.cleanup();
  });

  it('runs a claimed task in a container started before it: stdout, stderr, exit code, exact stdin bytes, env', async () => {
    const { pool, workerId, spec } = makePool();
    const script = 'cat hello.txt; echo "$GREETING" >&2; od -An -tx1 | tr -d " \\n" | head -c 64; echo; head -c 3 /dev/null; exit 7';
    const taskSpec = (stdin: Buffer): ContainerSpec => spec(['sh', '-c', script], { mount, env: { GREETING: 'hi there', PATH: '/usr/bin:/bin' }, stdin });
    await warmUp(pool, taskSpec(Buffer.from('x')));
    const [warm] = await poolContainers(workerId);
    assert.ok(warm, 'a warm container exists before the task');
    assert.equal(warm.State, 'running');
    const stdin = Buffer.from([0, 1, 2, 10, 0x0a, 0xff, 0x00, 0x41, 13, 10]);
    const result = await collect(pool.run(taskSpec(stdin), run));
    assert.equal(result.containerId, warm.Id, 'the task ran in the warm container');
    assert.match(result.profile, / start=warm$/, 'the profile says the container was started ahead');
    assert.equal(result.exit.exitCode, 7);
    assert.equal(result.stderr.toString(), 'hi there\n');
    assert.equal(result.stdout.toString(), `hello from the host\n${stdin.toString('hex')}\n`);
    assert.equal(pool.stats().totals.hits, 1);
  });

  it('delivers 4 MiB of stdin byte for byte', async () => {
    const { pool, spec } = makePool();
    const content = randomBytes(4 << 20);
    const taskSpec = (stdin: Buffer): ContainerSpec => spec(['sha256sum'], { stdin });
    await warmUp(pool, taskSpec(Buffer.from('')));
    const result = await collect(pool.run(taskSpec(content), run));
    const { createHash } = await import('node:crypto');
    assert.equal(result.stdout.toString().split(' ')[0], createHash('sha256').update(content).digest('hex'));
    assert.equal(pool.stats().totals.hits, 1);
  });

  it('never reuses a container: two tasks get two containers, each removed afterwards, and the key is refilled', async () => {
    const { pool, runner, workerId, spec } = makePool({ perKey: 2 });
    const taskSpec = spec(['cat', '/workspace/hello.txt'], { mount });
    await warmUp(pool, taskSpec, 2);
    const first = await collect(pool.run(taskSpec, run));
    const second = await collect(pool.run(taskSpec, run));
    assert.notEqual(first.containerId, second.containerId);
    assert.equal(pool.stats().totals.hits, 2);
    await runner.settled();
    for (const id of [first.containerId, second.containerId]) {
      await assert.rejects(docker.getContainer(id).inspect(), /no such container/i);
    }
    await waitUntil(() => pool.stats().keys[0]?.warm === 2, 20_000, 'the key refilled to 2');
    await waitUntil(async () => (await poolContainers(workerId)).length === 2, 10_000, 'two pool containers');
    const ids = (await poolContainers(workerId)).map((c) => c.Id);
    assert.ok(!ids.includes(first.containerId) && !ids.includes(second.containerId), 'refilled with new containers');
  });

  it("keeps a key's warm containers when its directory leaves its path: they hold that directory, and are claimed and removed as usual", async () => {
    const moving = await makeWorkspace({ 'hello.txt': 'from the moved directory\n' });
    const movedTo = `${moving.dir}-moved`;
    try {
      const { pool, workerId, spec } = makePool({ perKey: 2 });
      const movingMount = { source: moving.dir, target: '/workspace', writable: false, identity: identityOf(statSync(moving.dir, { bigint: true })), origin: moving.dir };
      const taskSpec = spec(['cat', 'hello.txt'], { mount: movingMount });
      await warmUp(pool, taskSpec, 2);
      await rename(moving.dir, movedTo); // a refill now finds nothing at the key's path
      const hitsBefore = pool.stats().totals.hits;
      for (let i = 0; i < 2; i++) {
        const result = await collect(pool.run(taskSpec, run));
        assert.equal(result.stdout.toString(), 'from the moved directory\n');
        await sleep(500); // the refill after the run tries the key's path, and finds nothing there
      }
      assert.equal(pool.stats().totals.hits, hitsBefore + 2, 'both warm containers were claimed');
      await pool.close();
      assert.deepEqual(await poolContainers(workerId), [], 'no warm container is left behind');
    } finally {
      await rename(movedTo, moving.dir).catch(() => undefined);
      await moving.cleanup();
    }
  });

  it('runs a task of another key cold (a miss), then warms that key', async () => {
    const { pool, spec } = makePool();
    await warmUp(pool, spec(['true'], { mount }));
    const other = spec(['true'], { limits: { cpus: 0.5, memoryBytes: 96 << 20, pids: 20 } });
    const missesBefore = pool.stats().totals.misses;
    const cold = await collect(pool.run(other, run));
    assert.equal(cold.exit.exitCode, 0);
    assert.doesNotMatch(cold.profile, /start=warm/);
    assert.equal(pool.stats().totals.misses, missesBefore + 1);
    await waitUntil(() => pool.stats().keys.filter((key) => key.warm === 1).length === 2, 20_000, 'both keys warm');
    const hit = await collect(pool.run(other, run));
    assert.equal(hit.exit.exitCode, 0);
    assert.equal(pool.stats().keys.find((key) => key.description.includes('no-mount'))?.hits, 1);
  });

  it('removes warm containers of a key unused for the idle time', async () => {
    const { pool, workerId, spec } = makePool({ idleMs: 1_500 });
    await warmUp(pool, spec(['true']));
    assert.equal((await poolContainers(workerId)).length, 1);
    await waitUntil(() => pool.stats().totals.warm === 0, 10_000, 'idle expiry');
    await waitUntil(async () => (await poolContainers(workerId)).length === 0, 10_000, 'the container removed');
    assert.ok(pool.stats().totals.expired >= 1);
  });

  it('keeps to the per-key and total caps; a more recently used key takes a container from an older one', async () => {
    const { pool, workerId, spec } = makePool({ perKey: 2, maxTotal: 3 });
    const a = spec(['true'], { mount });
    const b = spec(['true']);
    await warmUp(pool, a, 2);
    await collect(pool.run(b, run)); // miss: b is now the most recently used key
    await waitUntil(() => pool.stats().keys.find((k) => k.description.includes('no-mount'))?.warm === 2, 20_000, 'b warm');
    await sleep(500);
    const { keys, totals } = pool.stats();
    assert.ok(keys.every((key) => key.warm + key.warming <= 2), 'per key');
    assert.equal(totals.warm, 3, 'total cap');
    assert.ok(totals.evicted >= 1, 'a warm container of the older key made room');
    assert.equal((await poolContainers(workerId)).filter((c) => c.State === 'running').length, 3);
  });

  it('stops a warm run on cancel (SIGTERM, grace) and on kill, as a cold one', async () => {
    const { pool, spec } = makePool({ perKey: 2 });
    const taskSpec = spec(['sh', '-c', 'trap "echo term; exit 143" TERM; echo up; while :; do sleep 0.1; done']);
    await warmUp(pool, spec(['true']), 2); // the same key
    const graceful = new AbortController();
    const term = await collect(pool.run(taskSpec, { signal: graceful.signal, outputCapBytes: 4096 }), () => {
      setTimeout(() => graceful.abort({ graceMs: 5_000 }), 300);
    });
    assert.equal(term.exit.exitCode, 143);
    assert.match(term.stdout.toString(), /up\n(.|\n)*term/);
    const kill = new AbortController();
    const killed = await collect(pool.run(taskSpec, { signal: kill.signal, outputCapBytes: 4096 }), () => {
      setTimeout(() => kill.abort(new Error('timeout')), 300);
    });
    assert.equal(killed.exit.exitCode, 137);
    assert.equal(pool.stats().totals.hits, 2);
    await assert.rejects(docker.getContainer(killed.containerId).inspect(), /no such container/i, 'a stopped run is removed before it ends');
  });

  it('reports OOM and the PID limit on a warm container', async () => {
    const { pool, spec } = makePool();
    const oom = spec(['sh', '-c', 'head -c 200000000 /dev/zero | tail > /dev/null'], { limits: { cpus: 0.5, memoryBytes: 32 << 20, pids: 20 } });
    await warmUp(pool, oom);
    const oomRun = await collect(pool.run(oom, run));
    assert.equal(oomRun.exit.exitCode, 137);
    assert.equal(oomRun.exit.oomKilled, true);
    const bomb = spec(['sh', '-c', 'for i in $(seq 1 40); do sleep 2 & done 2>&1 | head -n 3; exit 1'], { limits: { cpus: 0.5, memoryBytes: 64 << 20, pids: 10 } });
    await warmUp(pool, bomb);
    const hitsBefore = pool.stats().totals.hits;
    const bombRun = await collect(pool.run(bomb, run));
    assert.equal(pool.stats().totals.hits, hitsBefore + 1);
    assert.match(bombRun.stdout.toString() + bombRun.stderr.toString(), /Resource temporarily unavailable|Cannot fork|can't fork/i);
    assert.equal(bombRun.exit.pidsLimitHit, true);
  });

  it('confines a warm container exactly as a cold one', async () => {
    const { pool, spec } = makePool();
    const taskSpec = spec(['sh', '-c', 'id -u; touch /x 2>&1; grep CapEff /proc/self/status'], {
      mount: { ...mount!, writable: true },
      limits: { cpus: 0.25, memoryBytes: 48 << 20, pids: 12 },
    });
    type Info = Awaited<ReturnType<ReturnType<typeof docker.getContainer>['inspect']>>;
    let coldInfo: Info | undefined;
    const cold = new ContainerRunner({ docker, engineCallTimeoutMs: 15_000, defaultRuntime: 'runc' });
    await collect(cold.run(taskSpec, run), async (id) => {
      coldInfo = await docker.getContainer(id).inspect();
    });
    await warmUp(pool, taskSpec);
    let warmInfo: Info | undefined;
    const warm = await collect(pool.run(taskSpec, run), async (id) => {
      warmInfo = await docker.getContainer(id).inspect();
    });
    assert.ok(coldInfo && warmInfo);
    const confinement = (info: Info) => ({
      user: info.Config.User,
      workingDir: info.Config.WorkingDir,
      networkDisabled: (info.Config as { NetworkDisabled?: boolean }).NetworkDisabled,
      host: Object.fromEntries(
        ['ReadonlyRootfs', 'CapDrop', 'CapAdd', 'SecurityOpt', 'Privileged', 'Init', 'NetworkMode', 'IpcMode', 'NanoCpus', 'Memory', 'MemorySwap', 'PidsLimit', 'Tmpfs', 'Runtime', 'LogConfig'].map(
          (key) => [key, (info.HostConfig as Record<string, unknown>)[key]],
        ),
      ),
      // The source differs: a warm container's directory is pinned again for it (its own pin path).
      mounts: info.Mounts.map((m) => ({ destination: m.Destination, rw: m.RW, type: m.Type })),
    });
    assert.deepEqual(confinement(warmInfo), confinement(coldInfo));
    assert.match(warmInfo.Mounts[0]?.Source ?? '', new RegExp(`^${ws.dir}-pins/[0-9a-f]{24}$`));
    assert.equal(warmInfo.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(warmInfo.HostConfig.CapDrop, ['ALL']);
    assert.equal(warmInfo.HostConfig.NetworkMode, 'none');
    assert.equal(warmInfo.Config.User, '1000:1000');
    const [uid, touch, capEff] = warm.stdout.toString().split('\n');
    assert.equal(uid, '1000');
    assert.match(touch ?? '', /Read-only file system/);
    assert.match(capEff ?? '', /CapEff:\s+0000000000000000/);
  });

  it('runs a claimed task under gVisor (runsc)', async () => {
    const { pool, spec } = makePool();
    const taskSpec = spec(['sh', '-c', 'cat /workspace/hello.txt; dmesg 2>/dev/null | head -n 1; exit 3'], { mount, runtime: 'runsc', limits: { cpus: 0.5, memoryBytes: 64 << 20, pids: 20 } });
    await warmUp(pool, taskSpec);
    let runtime = '';
    const result = await collect(pool.run(taskSpec, run), async (id) => {
      runtime = (await docker.getContainer(id).inspect()).HostConfig.Runtime ?? '';
    });
    assert.equal(pool.stats().totals.hits, 1);
    assert.equal(runtime, 'runsc');
    assert.equal(result.exit.exitCode, 3);
    assert.match(result.stdout.toString(), /^hello from the host\n.*gVisor/s);
  });

  it('removes every warm container on close, and runs later tasks cold', async () => {
    const { pool, workerId, spec } = makePool({ perKey: 2 });
    await warmUp(pool, spec(['true']), 2);
    await pool.close();
    assert.deepEqual(await poolContainers(workerId), []);
    const late = await collect(pool.run(spec(['echo', 'late']), run));
    assert.equal(late.stdout.toString(), 'late\n');
    assert.equal(pool.stats().totals.warm, 0);
  });

  it("leaves this boot's warm containers to its pool, and a restarted worker's reaper removes them", async () => {
    const { pool, workerId, spec } = makePool();
    await warmUp(pool, spec(['true']));
    const [warm] = await poolContainers(workerId);
    assert.ok(warm);
    const reaper = (bootId: string, live?: () => ReadonlySet<string>) =>
      new ContainerReaper({ docker, workerId, bootId, deadlineMarginMs: 30_000, engineCallTimeoutMs: 15_000, activeTaskIds: () => new Set(), ...(live ? { livePoolSlots: live } : {}) });
    const same = await reaper('boot-1', () => pool.liveSlots()).reapOnce();
    assert.deepEqual(same.removed, [], 'the live pool keeps its containers');
    const restarted = await reaper('boot-2').reapOnce();
    assert.deepEqual(restarted.removed.map((r) => [r.id, r.reason]), [[warm.Id, 'previous-boot']]);
    assert.deepEqual(await poolContainers(workerId), []);
  });
});
