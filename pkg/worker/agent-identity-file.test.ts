import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentIdentityFile } from './agent-identity-file.js';

describe('AgentIdentityFile', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'identity-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('saves 0600 and loads it back; undefined removes it', async () => {
    const file = new AgentIdentityFile(join(dir, 'a', 'agent-identity.json'));
    assert.equal(await file.load(), undefined);
    await file.save({ agentId: 'agent-1', resumeToken: 'secret' });
    assert.equal((await stat(file.path)).mode & 0o777, 0o600);
    assert.deepEqual(await file.load(), { agentId: 'agent-1', resumeToken: 'secret' });
    await file.save(undefined);
    assert.equal(await file.load(), undefined);
  });

  it('does not trust a file others may read, nor one that is not an identity', async () => {
    const path = join(dir, 'open.json');
    await writeFile(path, JSON.stringify({ agentId: 'agent-1', resumeToken: 'secret' }), { mode: 0o600 });
    await chmod(path, 0o644);
    assert.equal(await new AgentIdentityFile(path).load(), undefined, 'readable by others');
    await chmod(path, 0o600);
    assert.deepEqual(await new AgentIdentityFile(path).load(), { agentId: 'agent-1', resumeToken: 'secret' });
    await writeFile(path, '{"agentId": 7}');
    assert.equal(await new AgentIdentityFile(path).load(), undefined, 'not an identity');
  });

  it('never writes through a link planted at its temporary file', async () => {
    const target = join(dir, 'target');
    await writeFile(target, 'untouched');
    const path = join(dir, 'linked.json');
    await symlink(target, `${path}.tmp`);
    await new AgentIdentityFile(path).save({ agentId: 'agent-2', resumeToken: 't' });
    assert.equal(await readFile(target, 'utf8'), 'untouched');
    assert.deepEqual(await new AgentIdentityFile(path).load(), { agentId: 'agent-2', resumeToken: 't' });
  });

  it('never reads through a link planted at its own path, even to a well-formed 0600 identity', async () => {
    const elsewhere = join(dir, 'someone-elses.json');
    await writeFile(elsewhere, JSON.stringify({ agentId: 'agent-9', resumeToken: 'planted' }), { mode: 0o600 });
    const path = join(dir, 'planted-link.json');
    await symlink(elsewhere, path);
    assert.equal(await new AgentIdentityFile(path).load(), undefined);
  });
});
