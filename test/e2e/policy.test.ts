// The policy through the real programs: bin/worker --policy/--audit-log, SIGHUP reload, and the
// task CLI's view of refused, clamped and allowed tasks (real orchestrator, real containers).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditEntry } from '../../pkg/policy/index.js';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { runBin, startBin, waitUntil, type Proc } from '../support/processes.js';

interface RunJson {
  readonly state: string;
  readonly stdout: string;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly runtime: string;
  readonly profile: string;
}

describe('policy (real worker process, orchestrator and containers)', () => {
  let dir: string;
  let addr: string;
  let policyFile: string;
  let auditLog: string;
  let orchestrator: Proc;
  let worker: Proc;
  let allowed: Awaited<ReturnType<typeof makeWorkspace>>;
  let other: Awaited<ReturnType<typeof makeWorkspace>>;

  const writePolicy = (yaml: string): Promise<void> => writeFile(policyFile, yaml);
  const strictFor = (path: string, access: string): string => `mode: strict\nmounts:\n  - path: ${path}\n    access: ${access}\n`;

  const run = async (...args: string[]): Promise<RunJson> => {
    const r = await runBin('task', ['--orchestrator-addr', addr, 'run', ...args, '--json']);
    try {
      return JSON.parse(r.stdout) as RunJson;
    } catch {
      throw new Error(`task run printed no JSON (exit ${r.code}): ${r.stdout} ${r.stderr}`);
    }
  };
  const audit = async (): Promise<AuditEntry[]> =>
    (await readFile(auditLog, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as AuditEntry);
  const reload = async (yaml: string, expectLog: RegExp): Promise<void> => {
    const before = worker.output().stdout.length;
    await writePolicy(yaml);
    worker.child.kill('SIGHUP');
    await waitUntil(() => expectLog.test(worker.output().stdout.slice(before)), 10_000, `worker log ${expectLog}`);
  };

  before(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'baaaht-policy-')));
    addr = `unix://${join(dir, 'grpc.sock')}`;
    policyFile = join(dir, 'policy.yaml');
    auditLog = join(dir, 'audit.log');
    allowed = await makeWorkspace({ 'a.txt': 'allowed content\n' });
    other = await makeWorkspace({ 'b.txt': 'other content\n' });
    await writePolicy(strictFor(allowed.dir, 'readonly'));
    orchestrator = startBin('orchestrator', ['--listen', addr, '--data-dir', ':memory:']);
    worker = startBin('worker', [
      '--orchestrator-addr', addr,
      '--name', 'policy-worker',
      '--work-dir', join(dir, 'work'),
      '--policy', policyFile,
      '--audit-log', auditLog,
      '--shutdown-timeout', '1s',
    ]);
    await waitUntil(async () => {
      const r = await runBin('task', ['--orchestrator-addr', addr, 'workers', '--json']);
      return r.code === 0 && r.stdout.includes('policy-worker');
    }, 20_000, 'worker registered');
  });

  after(async () => {
    await worker?.stop();
    await orchestrator?.stop();
    await allowed?.cleanup();
    await other?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('strict: a mount under a readonly rule runs, and the result names its runtime and profile', async () => {
    const r = await run('file_read', '--mount', allowed.dir, '--param', 'path=a.txt');
    assert.equal(r.state, 'COMPLETED', JSON.stringify(r.error));
    assert.equal(r.stdout, 'allowed content\n');
    assert.equal(r.runtime, 'runc');
    assert.equal(r.profile, 'baaaht/v1 runtime=runc network=none workspace=ro user=1000:1000 policy=strict');
  });

  it('strict: a mount no rule allows is refused with POLICY_DENIED, and the refusal is audited', async () => {
    const r = await run('list', '--mount', other.dir, '--param', 'path=.');
    assert.equal(r.state, 'FAILED');
    assert.equal(r.error?.code, 'POLICY_DENIED');
    assert.equal(r.profile, '');
    const refused = (await audit()).filter((entry) => entry.decision === 'refused');
    assert.ok(refused.some((entry) => entry.toolType === 'list' && entry.reason.includes(other.dir)), JSON.stringify(refused));
  });

  it('strict: a write under a readonly rule is refused; a symlink into the allowed tree is judged by its real path', async () => {
    const w = await run('file_write', '--mount', allowed.dir, '--writable', '--param', 'path=new.txt', '--param', 'content=x');
    assert.equal(w.error?.code, 'POLICY_DENIED', JSON.stringify(w));
    const link = join(dir, 'link-to-other');
    await symlink(other.dir, link);
    const viaLink = await run('list', '--mount', link, '--param', 'path=.');
    assert.equal(viaLink.error?.code, 'POLICY_DENIED', 'the symlink resolves outside the allowed prefix');
  });

  it('every audit line is a JSON object with time, task id, decision, rule, reason and tool', async () => {
    const entries = await audit();
    assert.ok(entries.length >= 6, `${entries.length} entries`);
    for (const entry of entries) {
      assert.deepEqual(Object.keys(entry).sort(), ['decision', 'reason', 'rule', 'taskId', 'time', 'toolType']);
      assert.match(entry.time, /^\d{4}-\d\d-\d\dT/);
      assert.ok(entry.taskId.length > 0);
    }
  });

  it('SIGHUP reloads the policy: the next task is judged by the new file', async () => {
    await reload(strictFor(other.dir, 'readwrite'), /policy reloaded/);
    const now = await run('list', '--mount', other.dir, '--param', 'path=.');
    assert.equal(now.state, 'COMPLETED', JSON.stringify(now.error));
    assert.match(now.stdout, /b\.txt/);
    const before = await run('file_read', '--mount', allowed.dir, '--param', 'path=a.txt');
    assert.equal(before.error?.code, 'POLICY_DENIED');
  });

  it('a reload of a file that does not parse keeps the policy in force and says why', async () => {
    await reload('mode: strict\nmounts: [ this is not a rule\n', /policy reload failed: keeping the policy in force/);
    const still = await run('list', '--mount', other.dir, '--param', 'path=.');
    assert.equal(still.state, 'COMPLETED', JSON.stringify(still.error));
    await reload('mode: strict\nbogusKey: 1\n', /policy reload failed/);
    assert.equal((await run('list', '--mount', other.dir, '--param', 'path=.')).state, 'COMPLETED');
    assert.ok(worker.child.exitCode === null, 'the worker is still running');
  });

  it('permissive: limits over the caps are lowered (the task still runs), and the clamp is audited', async () => {
    await reload(`mode: permissive\ncaps:\n  memory: 8MiB\n  timeout: 1s\n`, /policy reloaded/);
    const r = await run('file_read', '--mount', allowed.dir, '--param', 'path=a.txt');
    assert.equal(r.state, 'COMPLETED', JSON.stringify(r.error));
    assert.match(r.profile, /policy=permissive$/);
    const clamped = (await audit()).filter((entry) => entry.decision === 'clamped');
    assert.ok(clamped.some((entry) => /memory/.test(entry.rule)), JSON.stringify(clamped));
    assert.ok(clamped.some((entry) => /timeout/.test(entry.rule)), JSON.stringify(clamped));
  });

  it('a policy file that does not parse stops the worker at start (exit 2), naming the file', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'mode: sometimes\n');
    await mkdir(join(dir, 'w2'), { recursive: true });
    const r = await runBin('worker', ['--orchestrator-addr', addr, '--policy', bad, '--work-dir', join(dir, 'w2')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml/);
    const missing = await runBin('worker', ['--orchestrator-addr', addr, '--policy', join(dir, 'nope.yaml'), '--work-dir', join(dir, 'w2')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml/);
  });
});
