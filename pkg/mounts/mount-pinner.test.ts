import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isWorkerError } from '../errors/index.js';
import { MountPinner } from './mount-pinner.js';
import { openDirectory } from './open-directory.js';

const mounted = (path: string): boolean => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === path);

describe('openDirectory and MountPinner (real bind mounts: the worker runs as root here)', () => {
  let root = '';
  let pinner: MountPinner;
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'baaaht-pin-')));
    await mkdir(join(root, 'tree', 'a', 'proj'), { recursive: true });
    await mkdir(join(root, 'secret'));
    await writeFile(join(root, 'tree', 'a', 'proj', 'f'), 'project');
    await writeFile(join(root, 'secret', 'f'), 'SECRET');
    pinner = await MountPinner.create(join(root, 'pins'));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('this process can pin (probe)', async () => assert.equal(await pinner.probe(), undefined));

  it('binds the directory it holds, even when its path leads elsewhere by the time it is pinned', async () => {
    const proj = join(root, 'tree', 'a', 'proj');
    const held = await openDirectory(proj);
    // The attack: a component of the judged path becomes a symbolic link to another tree.
    await rename(join(root, 'tree', 'a'), join(root, 'tree', 'a-moved'));
    await mkdir(join(root, 'secret', 'proj'), { recursive: true });
    await writeFile(join(root, 'secret', 'proj', 'f'), 'SECRET');
    await symlink(join(root, 'secret'), join(root, 'tree', 'a'));
    assert.equal(await readFile(join(proj, 'f'), 'utf8'), 'SECRET');
    const pinned = await pinner.pin(held);
    try {
      assert.equal(await readFile(join(pinned.path, 'f'), 'utf8'), 'project');
      assert.equal(pinned.identity, held.identity);
      assert.equal(pinned.origin, proj);
      assert.ok(mounted(pinned.path));
    } finally {
      await pinned.release();
      await held.close();
      await rm(join(root, 'tree', 'a'));
      await rename(join(root, 'tree', 'a-moved'), join(root, 'tree', 'a'));
    }
    assert.equal(mounted(pinned.path), false);
    await assert.rejects(stat(pinned.path), /ENOENT/);
    await pinned.release(); // idempotent
  });

  it('refuses, MOUNT_CHANGED, a judged path that leads through a symbolic link by the time it is opened', async () => {
    await symlink(join(root, 'secret'), join(root, 'tree', 'b'));
    // The path judged: tree/b/proj was a real directory then; now b is a link.
    await assert.rejects(openDirectory(join(root, 'tree', 'b', 'proj')), (error: unknown) => {
      assert.ok(isWorkerError(error) && error.code === 'MOUNT_CHANGED', String(error));
      assert.match(error.message, /changed while it was being checked/);
      return true;
    });
    await assert.rejects(openDirectory(join(root, 'tree', 'b')), (error: unknown) => isWorkerError(error) && error.code === 'MOUNT_CHANGED');
  });

  it('refuses a pin directory others can reach, and removes stale pins at create', async () => {
    const loose = join(root, 'loose');
    await mkdir(loose);
    await chmod(loose, 0o755);
    await assert.rejects(MountPinner.create(loose), /mode 0700/);
    const dir = join(root, 'pins2');
    const first = await MountPinner.create(dir);
    const held = await openDirectory(join(root, 'secret'));
    const stale = await first.pin(held);
    await held.close();
    assert.ok(mounted(stale.path));
    await MountPinner.create(dir);
    assert.equal(mounted(stale.path), false);
    assert.deepEqual(await readdir(dir), []);
  });
});
