// The container runner against the real Docker engine: lifecycle, output, limits, confinement.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isWorkerError } from '../../pkg/errors/index.js';
import { ContainerRunner, LABELS, type ContainerSpec, type RunEvent } from '../../pkg/runtime/index.js';
import { docker, makeWorkspace, managedContainers, testContainerSpec } from '../support/docker-fixtures.js';

const runner = new ContainerRunner({ docker, engineCallTimeoutMs: 15_000, defaultRuntime: 'runc' });

function spec(argv: string[], overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return testContainerSpec('test-runner', argv, overrides);
}

interface Collected {
  stdout: Buffer;
  stderr: Buffer;
  exit: Extract<RunEvent, { type: 'exit' }>;
  containerId: string;
  order: string[];
}

async function collect(events: AsyncIterable<RunEvent>, onStarted?: (id: string) => Promise<void>): Promise<Collected> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const order: string[] = [];
  let exit: Collected['exit'] | undefined;
  let containerId = '';
  for await (const event of events) {
    order.push(event.type);
    if (event.type === 'started') {
      containerId = event.containerId;
      await onStarted?.(containerId);
    } else if (event.type === 'output') (event.stream === 'stdout' ? out : err).push(event.data);
    else exit = event;
  }
  assert.ok(exit, 'the run reported an exit');
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exit, containerId, order };
}

const never = new AbortController().signal;

describe('ContainerRunner (real Docker)', () => {
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  before(async () => {
    ws = await makeWorkspace({ 'hello.txt': 'hello from the host\n' });
  });
  after(async () => {
    await ws.cleanup();
  });

  it('keeps stdout and stderr apart, reports the exit code, and removes the container', async () => {
    const run = await collect(
      runner.run(spec(['sh', '-c', 'echo out; echo err >&2; cat hello.txt; exit 3'], { mount: { source: ws.dir, target: '/workspace', writable: false, identity: 'not-checked', origin: ws.dir } }), {
        signal: never,
        outputCapBytes: 1024,
      }),
    );
    assert.equal(run.stdout.toString(), 'out\nhello from the host\n');
    assert.equal(run.stderr.toString(), 'err\n');
    assert.equal(run.exit.exitCode, 3);
    assert.deepEqual([run.order[0], run.order.at(-1)], ['started', 'exit']);
    await assert.rejects(docker.getContainer(run.containerId).inspect(), /no such container/i);
  });

  it('runs locked down: read-only root, no capabilities, no-new-privileges, non-root, limits, no network', async () => {
    let inspected: Awaited<ReturnType<ReturnType<typeof docker.getContainer>['inspect']>> | undefined;
    const run = await collect(
      runner.run(
        spec(['sh', '-c', 'id -u; touch /rootfs-write 2>&1; echo; cat /proc/self/status | grep CapEff; sleep 1'], {
          limits: { cpus: 0.25, memoryBytes: 48 * 1024 * 1024, pids: 12 },
        }),
        { signal: never, outputCapBytes: 4096 },
      ),
      async (id) => {
        inspected = await docker.getContainer(id).inspect();
      },
    );
    assert.ok(inspected);
    const host = inspected.HostConfig;
    assert.equal(host.ReadonlyRootfs, true);
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.ok(host.SecurityOpt?.includes('no-new-privileges:true'));
    assert.equal(host.NetworkMode, 'none');
    assert.equal(host.NanoCpus, 250_000_000);
    assert.equal(host.Memory, 48 * 1024 * 1024);
    assert.equal(host.MemorySwap, 48 * 1024 * 1024);
    assert.equal(host.PidsLimit, 12);
    assert.equal(host.Init, true);
    assert.equal(host.Privileged, false);
    assert.equal(inspected.Config.User, '1000:1000');
    const [uid, touch, , capEff] = run.stdout.toString().split('\n');
    assert.equal(uid, '1000');
    assert.match(touch ?? '', /Read-only file system/);
    assert.match(capEff ?? '', /CapEff:\s+0000000000000000/);
  });

  it('has no network for a file tool', async () => {
    const run = await collect(
      runner.run(spec(['sh', '-c', 'cat /proc/net/dev | tail -n +3 | cut -d: -f1; curl -sS --max-time 3 http://1.1.1.1/ 2>&1; echo curl=$?']), {
        signal: never,
        outputCapBytes: 4096,
      }),
    );
    const text = run.stdout.toString();
    assert.deepEqual(text.split('\n').filter((line) => /^\s*\w+$/.test(line)).map((l) => l.trim()), ['lo']);
    assert.match(text, /curl=7\b/, 'curl cannot connect');
  });

  it('stops a fork bomb at the PID limit', async () => {
    const run = await collect(
      runner.run(spec(['sh', '-c', 'for i in $(seq 1 40); do sleep 2 & done 2>&1 | head -n 3; echo spawned=$(ls /proc | grep -c "^[0-9]")'], { limits: { cpus: 0.5, memoryBytes: 64 << 20, pids: 10 } }), {
        signal: never,
        outputCapBytes: 64 * 1024,
      }),
    );
    const text = run.stdout.toString() + run.stderr.toString();
    assert.match(text, /Resource temporarily unavailable|Cannot fork|can't fork/i);
    const spawned = Number(/spawned=(\d+)/.exec(text)?.[1]);
    assert.ok(spawned <= 10, `at most 10 processes, saw ${spawned}`);
  });

  it('caps output, flags the truncation, and still drains the stream', async () => {
    const cap = 100 * 1024;
    const run = await collect(
      runner.run(spec(['sh', '-c', 'head -c 5000000 /dev/zero; echo done >&2']), { signal: never, outputCapBytes: cap }),
    );
    assert.equal(run.stdout.length, cap);
    assert.equal(run.exit.stdoutTruncated, true);
    assert.equal(run.exit.stderrTruncated, false);
    assert.equal(run.stderr.toString(), 'done\n');
    assert.equal(run.exit.exitCode, 0);
  });

  it('writes 10 MiB of stdin into a file that round-trips byte for byte', async () => {
    const content = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7919) % 251;
    const write = await collect(
      runner.run(spec(['baaaht-fs', 'write', '/workspace/big.bin'], { mount: { source: ws.dir, target: '/workspace', writable: true, identity: 'not-checked', origin: ws.dir }, stdin: content }), {
        signal: never,
        outputCapBytes: 4096,
      }),
    );
    assert.equal(write.exit.exitCode, 0, write.stderr.toString());
    const read = await collect(
      runner.run(spec(['cat', '/workspace/big.bin'], { mount: { source: ws.dir, target: '/workspace', writable: false, identity: 'not-checked', origin: ws.dir } }), {
        signal: never,
        outputCapBytes: 11 * 1024 * 1024,
      }),
    );
    assert.equal(read.stdout.length, content.length);
    assert.ok(read.stdout.equals(content), 'same bytes');
  });

  it('kills at once on abort without grace, and with SIGTERM first when a grace is given', async () => {
    for (const reason of [{ graceMs: 0 }, { graceMs: 3000 }]) {
      const controller = new AbortController();
      const started = Date.now();
      const trapping = spec(['sh', '-c', 'trap "echo term; exit 143" TERM; echo ready; while true; do sleep 0.1; done']);
      const run = await collect(
        runner.run(trapping, {
          signal: controller.signal,
          outputCapBytes: 4096,
        }),
        async () => {
          setTimeout(() => controller.abort(reason), 500);
        },
      );
      const tookMs = Date.now() - started;
      assert.ok(tookMs < 8000, `stopped in ${tookMs} ms`);
      if (reason.graceMs === 0) assert.equal(run.exit.exitCode, 137);
      else {
        assert.equal(run.exit.exitCode, 143);
        assert.match(run.stdout.toString(), /term/);
      }
      assert.deepEqual(await managedContainers(trapping.labels[LABELS.taskId]), []);
    }
  });

  it('reports out-of-memory kills', async () => {
    const run = await collect(
      runner.run(spec(['sh', '-c', 'head -c 200000000 /dev/zero | tail -c 100000000 > /dev/null'], { limits: { cpus: 1, memoryBytes: 16 * 1024 * 1024, pids: 10 } }), {
        signal: never,
        outputCapBytes: 4096,
      }),
    );
    assert.equal(run.exit.exitCode, 137);
    assert.equal(run.exit.oomKilled, true);
  });

  it('names the missing image and the command that builds it', async () => {
    await assert.rejects(
      collect(runner.run(spec(['true'], { image: 'baaaht/does-not-exist:1' }), { signal: never, outputCapBytes: 10 })),
      (error: unknown) => isWorkerError(error) && error.code === 'IMAGE_MISSING' && /baaaht\/does-not-exist:1/.test(error.message) && /make images/.test(error.message),
    );
  });

  it('leaves no container behind', async () => {
    const left = (await managedContainers()).filter((c) => c.Labels['io.baaaht.worker-id'] === 'test-runner');
    assert.deepEqual(left.map((c) => c.Names), []);
  });
});
