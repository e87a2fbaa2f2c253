// The escape suite: the moves of the published container-escape benchmarks, each run for real
// against the engine, each asserted to fail in the specific way it must. In-container probes are
// custom tools (test/fixtures/escape-tools.yaml), confined exactly like the built-in tools; the
// workspace cases use the real built-in tools. Everything goes through the real TaskExecutor and
// ContainerRunner (createExecutorFor). The web tools' egress (host and metadata addresses) is
// test/security/egress.test.ts's.
import assert from 'node:assert/strict';
import { chown, link, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadWorkerConfig } from '../../pkg/config/index.js';
import { TEST_WORKER_ENV } from '../support/mount-roots.js';
import { MountPinner } from '../../pkg/mounts/index.js';
import { wrapExecutor, type ExecuteTaskResult, type Executor } from '../../pkg/index.js';
import { DockerEngine } from '../../pkg/runtime/index.js';
import { createBuiltinToolRegistry } from '../../pkg/tools/index.js';
import { createExecutorFor } from '../../pkg/worker/index.js';
import { makeWorkspace, WORKSPACE_UID } from '../support/docker-fixtures.js';
import { ROOT } from '../support/examples.js';

/** How baaaht-fs refuses a path that leaves the workspace (images/tools/baaaht-fs). */
const ESCAPE_EXIT = 3;
const SECRET = 'host secret: must never be read or changed by a task\n';

describe('escape suite (real containers)', () => {
  let executor: Executor;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let outside: string;
  let secret: string;

  before(async () => {
    const config = loadWorkerConfig({
      argv: ['--name', 'escape-worker', '--config', join(ROOT, 'test/fixtures/escape-tools.yaml')],
      env: TEST_WORKER_ENV,
      homeDir: '/nonexistent',
      hostname: 'escape',
    });
    const engine = new DockerEngine(config.dockerSocket, config.rpcTimeoutMs);
    // Mounts under the tests' roots, pinned as the worker pins them.
    executor = wrapExecutor(
      createExecutorFor(config, engine, createBuiltinToolRegistry(config.tools), (await engine.runtimes()).default, undefined, {
        mountRoots: config.mountRoots,
        pinner: await MountPinner.create(join(await mkdtemp(join(tmpdir(), 'baaaht-escape-')), 'pins')),
      }),
    );

    // A file outside the workspace, on the same file system (so it can be hard-linked into it).
    outside = await mkdtemp(join(tmpdir(), 'baaaht-outside-'));
    secret = join(outside, 'secret.txt');
    await writeFile(secret, SECRET);
    await chown(secret, WORKSPACE_UID, WORKSPACE_UID);

    ws = await makeWorkspace({
      'plain.txt': 'inside the workspace\n',
      'patterns.txt': 'a line that says -f/etc/passwd\nand one with --include=*.txt\n',
      '-delete': 'a file named like a find action\n',
      '-exec': 'another one\n',
    });
    const planted: Array<[string, string]> = [
      ['etc-link', '/etc'], // a directory outside the workspace (the container's /etc)
      ['passwd-link', '/etc/passwd'], // a file outside it
      ['tmp-link', '/tmp'], // a writable place outside it
      ['host-link', secret], // the host path of a file outside it
      ['inner-link', 'sub'], // even a link that stays inside: the file tools follow none
    ];
    await mkdir(join(ws.dir, 'sub'));
    await writeFile(join(ws.dir, 'sub', 'a.txt'), 'a\n');
    for (const [name, target] of planted) await symlink(target, join(ws.dir, name));
    await link(secret, join(ws.dir, 'hard-link.txt'));
  });

  after(async () => {
    await ws?.cleanup();
    await rm(outside, { recursive: true, force: true });
  });

  const probe = (tool: string): Promise<ExecuteTaskResult> => executor.executeTask({ toolType: tool, params: {} });
  const out = (r: ExecuteTaskResult): string => r.stdout.toString();
  const fileRead = (path: string) => executor.executeTask({ toolType: 'file_read', mountSource: ws.dir, params: { path } });
  const fileWrite = (path: string, content = 'pwned\n') =>
    executor.executeTask({ toolType: 'file_write', mountSource: ws.dir, writable: true, params: { path, content: Buffer.from(content) } });
  const fileEdit = (path: string) =>
    executor.executeTask({ toolType: 'file_edit', mountSource: ws.dir, writable: true, params: { path, search: 'host', replace: 'PWNED' } });
  const grep = (pattern: string, path = '', recursive = false) =>
    executor.executeTask({ toolType: 'grep', mountSource: ws.dir, params: { pattern, path, recursive, ignoreCase: false } });
  const find = (path: string, name = '', type = '') => executor.executeTask({ toolType: 'find', mountSource: ws.dir, params: { path, name, type } });
  const list = (path: string) => executor.executeTask({ toolType: 'list', mountSource: ws.dir, params: { path } });

  /** The tool ran and baaaht-fs refused the path as an escape: the task fails PATH_ESCAPE. */
  const refusedInContainer = (r: ExecuteTaskResult, path: RegExp): void => {
    assert.equal(r.state, 'FAILED');
    assert.equal(r.cause, 'PATH_ESCAPE', JSON.stringify(r.error));
    assert.notEqual(r.profile, '', 'a container ran');
    assert.equal(r.exitCode, ESCAPE_EXIT, r.stderr.toString());
    assert.match(r.stderr.toString(), /^baaaht-fs: PATH_ESCAPE: /);
    assert.match(r.stderr.toString(), path);
    assert.doesNotMatch(out(r), /root:x:0:0|host secret/);
  };
  /** Refused before any container was created. */
  const refusedBeforeStart = (r: ExecuteTaskResult): void => {
    assert.equal(r.state, 'FAILED');
    assert.equal(r.cause, 'PATH_ESCAPE', JSON.stringify(r.error));
    assert.equal(r.exitCode, -1);
    assert.equal(r.profile, '', 'no container ran');
  };
  const secretUnchanged = async (): Promise<void> => {
    assert.equal(await readFile(secret, 'utf8'), SECRET);
    assert.equal((await stat(secret)).nlink, 2, 'the hard link is still there: nothing replaced it');
  };

  describe('in-container probes (custom tools, same confinement as the built-in ones)', () => {
    it('cannot write the root filesystem (read-only), only /tmp', async () => {
      const r = await probe('probe_root_write');
      assert.equal(r.cause, 'COMPLETED', r.stderr.toString());
      for (const f of ['/probe', '/etc/probe', '/usr/local/bin/probe', '/workspace/probe']) {
        assert.match(out(r), new RegExp(`write ${f}: Read-only file system`));
      }
      assert.match(out(r), /mkdir: cannot create directory '\/probe-dir': Read-only file system/);
      assert.match(out(r), /write \/tmp\/ok: ok/);
    });

    it('cannot remount / read-write (mount(8) refuses a non-root user, mount(2) is EPERM)', async () => {
      const r = await probe('probe_remount');
      assert.match(out(r), /mount\(8\) rc=(1|32)/);
      assert.match(out(r), /mount\(2\) MS_REMOUNT \/: Operation not permitted/);
      assert.match(out(r), /touch: cannot touch '\/probe': Read-only file system/);
    });

    it('cannot reach the Docker socket: it is not there, and nothing names it', async () => {
      const r = await probe('probe_docker_socket');
      for (const s of ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock', '/var/run/docker', '/run/docker']) {
        assert.match(out(r), new RegExp(`${s}: absent`));
      }
      assert.match(out(r), /mounts of a docker socket: 0/);
      assert.match(out(r), /DOCKER_HOST=unset/);
      assert.match(out(r), /curl: \(7\) Failed to connect to .*docker\.sock|Couldn't connect to server/);
      assert.match(out(r), /curl=7/);
    });

    it('cannot load a kernel module: no insmod/modprobe, init_module(2) and finit_module(2) are EPERM', async () => {
      const r = await probe('probe_kernel_module');
      assert.match(out(r), /insmod: absent/);
      assert.match(out(r), /modprobe: absent/);
      assert.match(out(r), /init_module: Operation not permitted/);
      assert.match(out(r), /finit_module: Operation not permitted/);
    });

    it('cannot write /proc/sysrq-trigger or /proc/sys (read-only or absent)', async () => {
      const r = await probe('probe_sysrq');
      // Docker mounts /proc/sysrq-trigger read-only; a kernel without SysRq has none at all
      // (dash says "Directory nonexistent" for ENOENT).
      const refused = '(Read-only file system|Directory nonexistent|Permission denied)';
      for (const f of ['/proc/sysrq-trigger', '/proc/sys/kernel/sysrq', '/sys/kernel/uevent_helper']) {
        assert.match(out(r), new RegExp(`write ${f}: ${refused}`));
      }
      assert.match(out(r), /write \/proc\/sys\/kernel\/hostname: Read-only file system/);
      assert.doesNotMatch(out(r), /WRITTEN/);
    });

    it('cannot create device nodes (no CAP_MKNOD) nor open the host memory devices', async () => {
      const r = await probe('probe_mknod');
      assert.match(out(r), /mknod: \/tmp\/sda: Operation not permitted/);
      assert.match(out(r), /mknod: \/tmp\/mem: Operation not permitted/);
      for (const dev of ['/dev/mem', '/dev/kmem', '/dev/port', '/dev/sda']) assert.match(out(r), new RegExp(`open ${dev}: No such file or directory`));
    });

    it('cannot ptrace: only its own processes are visible, a protected sibling is EPERM, /proc/PID/mem is EACCES', async () => {
      const r = await probe('probe_ptrace');
      assert.equal(r.cause, 'COMPLETED', r.stderr.toString());
      const visible = Number(/visible pids: (\d+)/.exec(out(r))?.[1]);
      // init, the leash and its stdin watcher (the dead-man's switch, #13), the probe, its child.
      assert.ok(visible >= 2 && visible <= 5, `a fresh PID namespace (init, the leash, the probe, its child): ${visible}`);
      assert.match(out(r), /pid 1: docker-init/);
      assert.match(out(r), /PTRACE_ATTACH non-dumpable sibling: Operation not permitted/);
      assert.match(out(r), /open \/proc\/\d+\/mem for writing: Permission denied/);
      assert.match(out(r), /PTRACE_ATTACH host pid 424242: No such process/);
    });

    it('a file tool has no network: only lo, no route, the host bridge is unreachable', async () => {
      const r = await probe('probe_network');
      assert.match(out(r), /^interfaces: lo $/m);
      assert.match(out(r), /^routes: 0$/m);
      assert.match(out(r), /curl: \(7\) .*(Network is unreachable|Couldn't connect to server)/);
      assert.match(out(r), /curl=7/);
    });

    it('cannot run a program dropped into /tmp (noexec)', async () => {
      const r = await probe('probe_tmp_exec');
      assert.match(out(r), /copied/);
      assert.match(out(r), /\/tmp\/dropped: Permission denied/);
      assert.match(out(r), /exec rc=126/);
    });
  });

  describe('the workspace: .., symbolic links, hard links, option injection (built-in tools)', () => {
    it('.. is refused before any container, for every file tool', async () => {
      for (const path of ['../etc/passwd', '/workspace/../etc/passwd', 'sub/../../x', '/etc/passwd', '/workspacex/a']) {
        refusedBeforeStart(await fileRead(path));
        refusedBeforeStart(await fileWrite(path));
        refusedBeforeStart(await fileEdit(path));
      }
      refusedBeforeStart(await grep('root', '..', true));
      refusedBeforeStart(await find('../..'));
      refusedBeforeStart(await list('sub/../..'));
    });

    it('file_read follows no symbolic link, in the last component or any other', async () => {
      refusedInContainer(await fileRead('passwd-link'), /\/workspace\/passwd-link: is a symbolic link/);
      refusedInContainer(await fileRead('etc-link/passwd'), /\/workspace\/etc-link is a symbolic link/);
      refusedInContainer(await fileRead('host-link'), /is a symbolic link/);
      refusedInContainer(await fileRead('inner-link/a.txt'), /\/workspace\/inner-link is a symbolic link/);
      const plain = await fileRead('sub/a.txt');
      assert.equal(plain.cause, 'COMPLETED');
      assert.equal(out(plain), 'a\n');
    });

    it('file_write and file_edit follow no symbolic link (not into /tmp, not onto /etc)', async () => {
      refusedInContainer(await fileWrite('tmp-link/x'), /\/workspace\/tmp-link is a symbolic link/);
      refusedInContainer(await fileWrite('passwd-link'), /passwd-link: is a symbolic link/);
      refusedInContainer(await fileWrite('host-link'), /host-link: is a symbolic link/);
      refusedInContainer(await fileWrite('etc-link/new/file'), /\/workspace\/etc-link is a symbolic link/);
      refusedInContainer(await fileEdit('passwd-link'), /passwd-link: is a symbolic link/);
      refusedInContainer(await fileEdit('host-link'), /host-link: is a symbolic link/);
      await secretUnchanged();
    });

    it('grep, find and list follow no symbolic link in their path', async () => {
      refusedInContainer(await grep('root', 'etc-link', true), /\/workspace\/etc-link: is a symbolic link/);
      refusedInContainer(await grep('root', 'passwd-link'), /is a symbolic link/);
      refusedInContainer(await grep('root', 'etc-link/passwd'), /\/workspace\/etc-link is a symbolic link/);
      refusedInContainer(await find('etc-link'), /is a symbolic link/);
      refusedInContainer(await find('etc-link/ssl'), /\/workspace\/etc-link is a symbolic link/);
      refusedInContainer(await list('etc-link'), /is a symbolic link/);
      refusedInContainer(await list('etc-link/ssl'), /\/workspace\/etc-link is a symbolic link/);
    });

    it('recursing from the workspace root does not descend through planted links', async () => {
      const g = await grep('root:x:0:0', '', true);
      assert.equal(g.cause, 'NON_ZERO_EXIT');
      assert.equal(g.exitCode, 1, g.stderr.toString());
      const f = await find('');
      assert.equal(f.cause, 'COMPLETED', f.stderr.toString());
      assert.match(out(f), /^\/workspace\/etc-link$/m);
      assert.doesNotMatch(out(f), /\/workspace\/etc-link\//);
    });

    it('a hard link to a file outside the workspace is neither read, written nor edited', async () => {
      refusedInContainer(await fileRead('hard-link.txt'), /hard-link\.txt: has 2 hard links/);
      refusedInContainer(await fileWrite('hard-link.txt'), /has 2 hard links/);
      refusedInContainer(await fileEdit('hard-link.txt'), /has 2 hard links/);
      refusedInContainer(await grep('host', 'hard-link.txt'), /has 2 hard links/);
      await secretUnchanged();
    });

    it('option injection: patterns stay patterns, names stay names, paths stay paths', async () => {
      // grep: the pattern is the argument of -e, so these are searched for, never obeyed.
      const f = await grep('-f/etc/passwd', 'patterns.txt');
      assert.equal(f.cause, 'COMPLETED', f.stderr.toString());
      assert.equal(out(f), '1:a line that says -f/etc/passwd\n');
      const inc = await grep('--include=\\*', 'patterns.txt');
      assert.equal(out(inc), '2:and one with --include=*.txt\n');
      // A path that looks like an option is a file under /workspace.
      const dashPath = await grep('x', '--include=*.txt', true);
      assert.equal(dashPath.exitCode, 2);
      assert.match(dashPath.stderr.toString(), /grep: \/workspace\/--include=\*\.txt: No such file or directory/);
      // find: a name is the argument of -name, a path starting with - is a path; nothing runs or goes.
      const exec = await find('', '-exec');
      assert.equal(exec.cause, 'COMPLETED', exec.stderr.toString());
      assert.equal(out(exec), '/workspace/-exec\n');
      const del = await find('-delete');
      assert.equal(out(del), '/workspace/-delete\n');
      const delName = await find('', '-delete');
      assert.equal(out(delName), '/workspace/-delete\n');
      assert.equal(await readFile(join(ws.dir, '-delete'), 'utf8'), 'a file named like a find action\n', 'nothing was deleted');
      // list and file_read: a dash path is a name.
      const ls = await list('-R');
      assert.match(ls.stderr.toString(), /cannot list \/workspace\/-R: No such file or directory/);
      const cat = await fileRead('-exec');
      assert.equal(out(cat), 'another one\n');
    });
  });
});
