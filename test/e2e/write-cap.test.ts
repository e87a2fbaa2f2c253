// #11 §5: writable mounts have no disk quota, so the built-in file tools cap what they leave
// behind (--max-write-bytes): the worker refuses a file_write past it before any container, and
// the tool image's guard refuses a file_edit whose result would pass it (and a write, should one
// reach it), leaving the file as it was. Real engine, real tool image.
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createExecutor, type Executor } from '../../pkg/library/create-executor.js';
import { ContainerRunner, type RunEvent } from '../../pkg/runtime/index.js';
import { WRITE_LIMIT_ENV, GUARD_WRITE_LIMIT_EXIT } from '../../pkg/tools/confine.js';
import { docker, makeWorkspace, testContainerSpec } from '../support/docker-fixtures.js';
import { TEST_MOUNT_ROOT_LIST } from '../support/mount-roots.js';

const CAP = 64;

describe('the write cap of file_write and file_edit (real engine)', () => {
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let executor: Executor;
  before(async () => {
    ws = await makeWorkspace({ 'notes.txt': 'x'.repeat(60) });
    executor = await createExecutor({ config: { mountRoots: TEST_MOUNT_ROOT_LIST, tools: { maxWriteBytes: CAP } } });
  });
  after(async () => ws?.cleanup());

  const fileWrite = (path: string, bytes: number) =>
    executor.executeTask({ toolType: 'file_write', mountSource: ws.dir, writable: true, params: { path, content: Buffer.alloc(bytes, 0x61) } });

  it('refuses a file_write past the cap before any container: WRITE_LIMIT, nothing written', async () => {
    const r = await fileWrite('big.txt', CAP + 1);
    assert.equal(r.cause, 'WRITE_LIMIT', JSON.stringify(r.error));
    assert.match(r.error?.message ?? '', /65 bytes; a file may hold at most 64 \(--max-write-bytes\)/);
    assert.equal(r.profile, '', 'no container ran');
    assert.ok(!(await readdir(ws.dir)).includes('big.txt'));
  });

  it('writes up to the cap', async () => {
    const r = await fileWrite('fits.txt', CAP);
    assert.equal(r.state, 'COMPLETED', JSON.stringify(r.error));
    assert.equal((await readFile(join(ws.dir, 'fits.txt'))).length, CAP);
  });

  it('refuses a file_edit whose result would pass the cap: WRITE_LIMIT from the guard, the file unchanged', async () => {
    const r = await executor.executeTask({ toolType: 'file_edit', mountSource: ws.dir, writable: true, params: { path: 'notes.txt', search: 'x', replace: 'yy' } });
    assert.equal(r.state, 'FAILED');
    assert.equal(r.cause, 'WRITE_LIMIT', JSON.stringify(r.error));
    assert.equal(r.exitCode, GUARD_WRITE_LIMIT_EXIT);
    assert.match(r.stderr.toString(), /baaaht-fs: WRITE_LIMIT: \/workspace\/notes\.txt would hold 120 bytes, more than the cap of 64/);
    assert.equal(await readFile(join(ws.dir, 'notes.txt'), 'utf8'), 'x'.repeat(60));
  });

  it('edits within the cap', async () => {
    const r = await executor.executeTask({ toolType: 'file_edit', mountSource: ws.dir, writable: true, params: { path: 'notes.txt', search: 'xx', replace: 'y' } });
    assert.equal(r.state, 'COMPLETED', JSON.stringify(r.error));
    assert.equal(await readFile(join(ws.dir, 'notes.txt'), 'utf8'), 'y'.repeat(30));
  });

  it("the guard itself refuses a write past its cap (defense in depth): exit 4, the existing file untouched", async () => {
    await writeFile(join(ws.dir, 'kept.txt'), 'kept');
    await chown(join(ws.dir, 'kept.txt'), 1000, 1000);
    const runner = new ContainerRunner({ docker, engineCallTimeoutMs: 15_000, defaultRuntime: 'runc' });
    const spec = testContainerSpec('write-cap-test', ['baaaht-fs', 'write', '/workspace/kept.txt'], {
      mount: { source: ws.dir, target: '/workspace', writable: true, identity: 'not-checked', origin: ws.dir },
      env: { [WRITE_LIMIT_ENV]: '10' },
      stdin: Buffer.alloc(11, 0x62),
    });
    let exitCode = -1;
    let stderr = '';
    for await (const event of runner.run(spec, { signal: AbortSignal.timeout(60_000), outputCapBytes: 4096 }) as AsyncIterable<RunEvent>) {
      if (event.type === 'output' && event.stream === 'stderr') stderr += Buffer.from(event.data).toString();
      if (event.type === 'exit') exitCode = event.exitCode;
    }
    assert.equal(exitCode, GUARD_WRITE_LIMIT_EXIT, stderr);
    assert.match(stderr, /WRITE_LIMIT: \/workspace\/kept\.txt would hold 11 bytes, more than the cap of 10/);
    assert.equal(await readFile(join(ws.dir, 'kept.txt'), 'utf8'), 'kept');
  });
});
