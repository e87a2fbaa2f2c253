// #12 §1: file_read without a path is refused INVALID_PARAMS before any container, through the
// library's real executor on the real engine (an empty profile: no container ran). Before the fix
// it started a container on /workspace itself and failed there.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createExecutor, type Executor } from '../../pkg/library/create-executor.js';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { TEST_MOUNT_ROOT_LIST } from '../support/mount-roots.js';

describe('required parameters (real engine)', () => {
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let executor: Executor;
  before(async () => {
    ws = await makeWorkspace({ 'notes.txt': 'hello' });
    executor = await createExecutor({ config: { mountRoots: TEST_MOUNT_ROOT_LIST } });
  });
  after(async () => ws?.cleanup());

  it('file_read with no path fails INVALID_PARAMS and runs no container', async () => {
    const r = await executor.executeTask({ toolType: 'file_read', mountSource: ws.dir, params: { path: '' } });
    assert.equal(r.state, 'FAILED');
    assert.equal(r.cause, 'INVALID_PARAMS', JSON.stringify(r.error));
    assert.match(r.error?.message ?? '', /path must name a file inside \/workspace/);
    assert.equal(r.profile, '', 'no container ran');
  });

  it('file_read with a path still reads the file', async () => {
    const r = await executor.executeTask({ toolType: 'file_read', mountSource: ws.dir, params: { path: 'notes.txt' } });
    assert.equal(r.state, 'COMPLETED', JSON.stringify(r.error));
    assert.equal(r.stdout.toString(), 'hello');
  });
});
