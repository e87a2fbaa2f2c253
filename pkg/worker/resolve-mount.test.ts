import assert from 'node:assert/strict';
import { chown, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isWorkerError, type ErrorCode } from '../errors/index.js';
import type { MountUse } from '../tools/index.js';
import { resolveMount, type ResolvedMount } from './resolve-mount.js';

/** What a resolved mount says, without the open directory's handle (closed here). */
async function shown(mount: ResolvedMount | undefined): Promise<Record<string, unknown> | undefined> {
  if (mount === undefined) return undefined;
  const { directory, ...rest } = mount;
  await directory.close();
  return { ...rest, path: directory.path, uid: directory.uid, gid: directory.gid, identity: /^\d+:\d+$/.test(directory.identity) };
}

async function rejectsCode(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isWorkerError(error), `expected a WorkerError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

describe('resolveMount', () => {
  let root = '';
  let dir = '';
  let ownedDir = '';
  let file = '';
  let link = '';

  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'baaaht-resolve-mount-')));
    dir = join(root, 'workspace');
    ownedDir = join(root, 'owned');
    file = join(root, 'file.txt');
    link = join(root, 'link');
    await mkdir(dir);
    await mkdir(ownedDir);
    await chown(ownedDir, 1000, 1001);
    await writeFile(file, 'not a directory');
    await symlink(ownedDir, link);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('returns undefined for a tool that uses no files and no mount', async () => {
    assert.equal(await resolveMount('fetch_url', 'none', '', false), undefined);
  });

  it('refuses a mount for a tool that uses no files', async () => {
    await rejectsCode(resolveMount('fetch_url', 'none', dir, false), 'INVALID_PARAMS', /fetch_url uses no files/);
  });

  for (const use of ['read', 'write'] as const) {
    it(`refuses a missing mount for a ${use} tool`, async () => {
      await rejectsCode(resolveMount('file_x', use, '', true), 'INVALID_PARAMS', /needs mount_source/);
    });
  }

  const invalid: Array<{ name: string; source: () => string; code: ErrorCode; message: RegExp }> = [
    { name: 'a relative path', source: () => 'workspace', code: 'INVALID_PARAMS', message: /absolute/ },
    { name: 'a dot path', source: () => './workspace', code: 'INVALID_PARAMS', message: /absolute/ },
    { name: 'a NUL byte', source: () => `${dir}\0/x`, code: 'INVALID_PARAMS', message: /not a valid path/ },
    { name: 'a path over 4096 bytes', source: () => `/${'a'.repeat(4096)}`, code: 'INVALID_PARAMS', message: /not a valid path/ },
    { name: 'a path that does not exist', source: () => join(root, 'missing'), code: 'MOUNT_NOT_FOUND', message: /does not exist/ },
    { name: 'a file', source: () => file, code: 'MOUNT_NOT_FOUND', message: /is not a directory/ },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name} with ${c.code}`, async () => {
      await rejectsCode(resolveMount('file_read', 'read', c.source(), false), c.code, c.message);
    });
  }

  it('refuses a write tool when the task is not writable', async () => {
    await rejectsCode(resolveMount('file_write', 'write', dir, false), 'INVALID_PARAMS', /writable/);
  });

  const uses: Array<{ use: MountUse; writable: boolean; mountWritable: boolean }> = [
    { use: 'read', writable: false, mountWritable: false },
    { use: 'read', writable: true, mountWritable: false },
    { use: 'write', writable: true, mountWritable: true },
  ];
  for (const c of uses) {
    it(`a ${c.use} tool with writable ${c.writable} gets a ${c.mountWritable ? 'writable' : 'read-only'} mount`, async () => {
      const mount = await resolveMount('t', c.use, dir, c.writable);
      assert.deepEqual(await shown(mount), { source: dir, writable: c.mountWritable, path: dir, uid: 0, gid: 0, identity: true });
    });
  }

  it('resolves a symlink to the real directory and reports its owner', async () => {
    const mount = await resolveMount('file_read', 'read', link, false);
    assert.deepEqual(await shown(mount), { source: ownedDir, writable: false, path: ownedDir, uid: 1000, gid: 1001, identity: true });
  });

  it('normalizes dot segments through the real path', async () => {
    const mount = await resolveMount('file_read', 'read', `${dir}/../owned/.`, false);
    assert.equal((await shown(mount))?.source, ownedDir);
  });
});
