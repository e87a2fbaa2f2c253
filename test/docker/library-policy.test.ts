// The library's executor applies a policy like the worker does, including the engine's runtimes:
// a forced runtime the engine lacks is refused before any container is created.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createExecutor, type Executor } from '../../pkg/library/create-executor.js';
import { parsePolicy } from '../../pkg/policy/index.js';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { TEST_MOUNT_ROOT_LIST } from '../support/mount-roots.js';

describe('library executor with a policy (real engine)', () => {
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  before(async () => {
    ws = await makeWorkspace({ 'a.txt': 'library\n' });
  });
  after(async () => {
    await ws?.cleanup();
  });

  const read = (executor: Executor) => executor.executeTask({ toolType: 'file_read', mountSource: ws.dir, params: { path: 'a.txt' } });

  it('runs a task the policy allows', async () => {
    const r = await read(await createExecutor({ config: { mountRoots: TEST_MOUNT_ROOT_LIST }, policy: parsePolicy('mode: strict\n', 'p.yaml') }));
    assert.equal(r.state, 'COMPLETED', JSON.stringify(r.error));
    assert.equal(r.stdout.toString(), 'library\n');
  });

  it('refuses a forced runtime the engine does not have with POLICY_DENIED, not a container failure', async () => {
    const r = await read(await createExecutor({ config: { mountRoots: TEST_MOUNT_ROOT_LIST }, policy: parsePolicy('mode: strict\nruntimes:\n  all: no-such-runtime\n', 'p.yaml') }));
    assert.equal(r.state, 'FAILED');
    assert.equal(r.cause, 'POLICY_DENIED', JSON.stringify(r.error));
    assert.match(r.error?.message ?? '', /no-such-runtime/);
    assert.equal(r.profile, '', 'no container ran');
  });

  it('mounts nothing when no mount root is named: POLICY_DENIED naming --mount-root, before any container', async () => {
    const r = await read(await createExecutor({ policy: parsePolicy('mode: disabled\n', 'p.yaml') }));
    assert.equal(r.cause, 'POLICY_DENIED', JSON.stringify(r.error));
    assert.match(r.error?.message ?? '', /under no mount root.*--mount-root DIR/);
    assert.equal(r.profile, '', 'no container ran');
  });

  it('runs the task as the user its root names (a fixed uid, not the directory owner)', async () => {
    const executor = await createExecutor({ config: { mountRoots: [{ path: TEST_MOUNT_ROOT_LIST[0]!.path, user: { kind: 'fixed', uid: 4321, gid: 4322 } }] } });
    const r = await read(executor);
    assert.equal(r.state, 'COMPLETED', JSON.stringify(r.error));
    assert.match(r.profile, /user=4321:4322/);
  });
});
