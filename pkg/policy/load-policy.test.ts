import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPolicy, PolicyHolder, resolvePolicyPath } from './load-policy.js';
import { STRICT_DEFAULT_POLICY } from './policy.js';
import { PolicyError } from './policy-error.js';

describe('policy files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baaaht-load-policy-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('resolvePolicyPath: the flag, else the home file, else the system file, else none', async () => {
    const home = join(dir, 'home');
    const system = join(dir, 'etc-policies.yaml');
    const homeFile = join(home, '.config', 'baaaht', 'policies.yaml');
    assert.equal(resolvePolicyPath({ homeDir: home, systemPath: system }), undefined);
    await writeFile(system, 'mode: strict\n');
    assert.equal(resolvePolicyPath({ homeDir: home, systemPath: system }), system);
    await mkdir(join(home, '.config', 'baaaht'), { recursive: true });
    await writeFile(homeFile, 'mode: strict\n');
    assert.equal(resolvePolicyPath({ homeDir: home, systemPath: system }), homeFile);
    assert.equal(resolvePolicyPath({ flag: '/nowhere/p.yaml', homeDir: home, systemPath: system }), '/nowhere/p.yaml');
  });

  it('loadPolicy: undefined is the strict default; a missing file is a PolicyError', async () => {
    assert.equal(await loadPolicy(undefined), STRICT_DEFAULT_POLICY);
    await assert.rejects(loadPolicy(join(dir, 'missing.yaml')), PolicyError);
  });

  it('PolicyHolder reloads a good file and keeps the old policy on a bad one', async () => {
    const path = join(dir, 'policies.yaml');
    await writeFile(path, 'mode: permissive\n');
    const holder = new PolicyHolder(await loadPolicy(path), path);
    assert.equal(holder.current.mode, 'permissive');

    await writeFile(path, 'mode: disabled\n');
    assert.deepEqual(await holder.reload(), { ok: true });
    assert.equal(holder.current.mode, 'disabled');

    const before = holder.current;
    await writeFile(path, 'mode: strict\ncaps: {memory: lots}\n');
    const result = await holder.reload();
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /caps\.memory/);
    assert.equal(holder.current, before);

    await writeFile(path, 'mode: [unclosed\n');
    assert.equal((await holder.reload()).ok, false);
    await rm(path);
    assert.match(await holder.reload().then((r) => (r.ok ? '' : r.error)), /cannot read/);
    assert.equal(holder.current, before);
  });

  it('PolicyHolder without a path keeps the default', async () => {
    const holder = new PolicyHolder(STRICT_DEFAULT_POLICY);
    assert.deepEqual(await holder.reload(), { ok: true });
    assert.equal(holder.current, STRICT_DEFAULT_POLICY);
  });
});
