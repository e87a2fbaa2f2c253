// #13 §2: a new boot of the same worker resumes the same identity. The worker keeps its agent id
// and resume token in its work dir (0600, written atomically), and its next start presents them
// at Register (with its own boot id), so that the orchestrator can release the old boot's leases
// at once. Before, a restarted worker always registered anew.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scriptedExecutor, startScriptedOrchestrator, startTestWorkerAgent, waitFor, type ScriptedOrchestrator } from './harness.js';

describe('a worker keeps its agent id and resume token across restarts', () => {
  let orchestrator: ScriptedOrchestrator;
  let dir: string;
  const executor = scriptedExecutor(() => Promise.reject(new Error('no task here')));
  const file = () => join(dir, 'work', 'agent-identity.json');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baaaht-identity-'));
    orchestrator = await startScriptedOrchestrator();
  });

  after(async () => {
    await orchestrator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves it 0600 and the next boot resumes it at Register; a clean stop (Unregister) forgets it', async () => {
    const first = startTestWorkerAgent(orchestrator.address, dir, executor);
    await waitFor(() => orchestrator.streams.length > 0, 10_000);
    const saved = await waitFor(() => readFile(file(), 'utf8').catch(() => undefined), 5_000);
    assert.deepEqual(JSON.parse(saved), { agentId: 'agent-1', resumeToken: 'token-1' });
    assert.equal((await stat(file())).mode & 0o777, 0o600);
    // The next boot (the first one killed: it never unregisters) presents the saved identity.
    const second = startTestWorkerAgent(orchestrator.address, dir, executor);
    await waitFor(() => orchestrator.registrations.length > 1, 10_000);
    assert.equal(orchestrator.registrations[1]?.agentId, 'agent-1');
    assert.equal(orchestrator.registrations[1]?.resumeToken, 'token-1');
    await first.shutdown('test over');
    await second.shutdown('test over');
    await assert.rejects(stat(file()), 'unregistered: nothing left to resume');
  });
});
