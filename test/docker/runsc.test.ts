// gVisor for real: a container the runner starts with runtime runsc runs on gVisor's kernel, not
// the host's, and the escape probes that fail under runc fail under runsc too. Needs the runtimes
// scripts/ensure-docker.sh registers (runsc: --network=none; runsc-hostnet: --network=host).
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { ContainerRunner, DockerEngine, type ContainerSpec, type RunEvent } from '../../pkg/runtime/index.js';
import { docker, makeWorkspace, managedContainers, testContainerSpec } from '../support/docker-fixtures.js';
import { startWebServer, type WebServer } from '../support/web-server.js';

const runner = new ContainerRunner({ docker, engineCallTimeoutMs: 15_000, defaultRuntime: 'runc' });

function spec(runtime: string, argv: string[], overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return testContainerSpec('test-runsc', argv, { runtime, ...overrides });
}

/** Runs a shell script in a locked-down container; stdout and stderr together, the exit code, the runtime reported. */
async function sh(runtime: string, script: string, overrides: Partial<ContainerSpec> = {}): Promise<{ output: string; exitCode: number; runtime: string; profile: string }> {
  let output = '';
  let exitCode = -1;
  let started: Extract<RunEvent, { type: 'started' }> | undefined;
  for await (const event of runner.run(spec(runtime, ['sh', '-c', script], overrides), { signal: AbortSignal.timeout(60_000), outputCapBytes: 1 << 20 })) {
    if (event.type === 'started') started = event;
    else if (event.type === 'output') output += event.data.toString();
    else exitCode = event.exitCode;
  }
  assert.ok(started, 'the container started');
  return { output, exitCode, runtime: started.runtime, profile: started.profile };
}

describe('gVisor (runsc) on the real engine', () => {
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let web: WebServer;
  before(async () => {
    ws = await makeWorkspace({ 'hello.txt': 'hello\n' });
    web = await startWebServer();
  });
  after(async () => {
    await ws?.cleanup();
    await web?.close();
  });

  it('the engine lists runsc without a network and runsc-hostnet with one', async () => {
    const runtimes = await new DockerEngine('/var/run/docker.sock').runtimes();
    assert.ok(runtimes.all.includes('runsc') && runtimes.all.includes('runsc-hostnet'), `runtimes: ${runtimes.all.join(', ')}`);
    assert.ok(runtimes.networkless.includes('runsc'));
    assert.ok(!runtimes.networkless.includes('runsc-hostnet'));
  });

  it('runs on gVisor\'s kernel under runsc, on the host\'s under runc', async () => {
    const probe = 'uname -r; dmesg 2>&1 | head -n 1';
    const gvisor = await sh('runsc', probe);
    const native = await sh('runc', probe);
    assert.equal(gvisor.runtime, 'runsc');
    assert.match(gvisor.profile, /^baaaht\/v1 runtime=runsc /);
    assert.match(gvisor.output, /Starting gVisor/);
    assert.notEqual(gvisor.output.split('\n')[0], release(), 'gVisor reports its own kernel release');
    assert.equal(native.output.split('\n')[0], release());
    assert.doesNotMatch(native.output, /gVisor/);
  });

  for (const runtime of ['runc', 'runsc']) {
    describe(`escape probes fail under ${runtime}`, () => {
      it('the root filesystem is not writable, even where its mode allows (/var/tmp)', async () => {
        const r = await sh(runtime, 'touch /var/tmp/escape 2>&1; echo rc=$?');
        assert.match(r.output, /Read-only file system/);
        assert.match(r.output, /rc=1/);
      });

      it('the read-only workspace is not writable', async () => {
        // The group puts the shell's own error on stdout too (`cmd > file 2>&1` opens the file
        // first and leaves that error on stderr, whose place among stdout's lines is not fixed).
        const r = await sh(runtime, '{ echo x > /workspace/hello.txt; } 2>&1; echo rc=$?; cat /workspace/hello.txt', {
          mount: { source: ws.dir, target: '/workspace', writable: false, identity: 'not-checked', origin: ws.dir },
        });
        assert.match(r.output, /Read-only file system/);
        assert.match(r.output, /hello\n$/);
      });

      it('no capability is held, nor can one be gained', async () => {
        const r = await sh(runtime, 'grep -E "^Cap(Prm|Eff|Bnd|Amb)" /proc/self/status; mount -t tmpfs t /tmp 2>&1; echo mount=$?');
        // gVisor (2022) has no CapAmb line; every line there is must be empty.
        for (const set of ['CapPrm', 'CapEff', 'CapBnd']) assert.match(r.output, new RegExp(`${set}:\\s+0{16}\\n`), r.output);
        assert.doesNotMatch(r.output, /^Cap\w+:\s+0*[1-9a-f]/m, r.output);
        assert.doesNotMatch(r.output, /mount=0/);
      });

      it('a container without a network reaches nothing', async () => {
        const r = await sh(runtime, `curl -sS -m 3 -o /dev/null ${web.origin}/page 2>&1; echo rc=$?`);
        assert.doesNotMatch(r.output, /rc=0/);
      });
    });
  }

  it("runsc has no network even on the web server's own network; runsc-hostnet does", async () => {
    const script = `curl -sS -m 5 -o /dev/null -w "%{http_code}\\n" ${web.origin}/page 2>&1; echo rc=$?`;
    const networkless = await sh('runsc', script, { network: web.network });
    assert.doesNotMatch(networkless.output, /rc=0/, networkless.output);
    const hostnet = await sh('runsc-hostnet', `${script}; dmesg | head -n 1`, { network: web.network });
    assert.match(hostnet.output, /^200\nrc=0\n.*gVisor/s, hostnet.output);
  });

  it('leaves no container behind', async () => {
    const left = (await managedContainers()).filter((c) => c.Labels['io.baaaht.worker-id'] === 'test-runsc');
    assert.deepEqual(left.map((c) => c.Names), []);
  });
});
