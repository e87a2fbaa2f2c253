// #12 §3: the published contract is enough in a second language. A Python client and a Python
// orchestrator, written from proto/agent/v1/agent.proto alone with stubs that Debian's protoc and
// grpc_python_plugin generate (scripts/ensure-python-peer.sh installs them when missing, and
// Debian's python3-grpcio + python3-protobuf), against the real binaries:
//   (a) test/conformance/python/client.py drives bin/orchestrator + bin/worker through TaskService;
//   (b) test/conformance/python/orchestrator.py serves AgentService to a real bin/worker: register,
//       assign, output, ack, cancel, reconnect with resend. It prints what it saw; this file asserts.
// Rule ids ([W4], [O14], ...) are docs/protocol.md's.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { ROOT, startBin, waitUntil, type Proc } from '../support/processes.js';

// ---- Protocol version 2 -------------------------------------------------------------------------
// The v2 behaviours are being implemented in the worker and the orchestrator. Their assertions are
// written below in blocks marked "PROTOCOL V2"; switch them on here once both sides have them.
// -----------------------------------------------------------------------------------------------

/** Debian's interpreter: python3-grpcio and python3-protobuf are installed for it (a python3 earlier on PATH may not see them). */
const PYTHON = '/usr/bin/python3';
const CLIENT = join(ROOT, 'test/conformance/python/client.py');
const ORCHESTRATOR = join(ROOT, 'test/conformance/python/orchestrator.py');
const FAULT_TOOLS = join(ROOT, 'test/fixtures/fault-tools.yaml');
const HELLO = 'hello from the Python peer\n';

let stubDir = '';

interface PyResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface PyProc {
  readonly exited: Promise<PyResult>;
  output(): PyResult;
  stop(): Promise<PyResult>;
}

function startPython(script: string, args: readonly string[]): PyProc {
  const child = spawn(PYTHON, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, PYTHONPATH: stubDir, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<PyResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return {
    exited,
    output: () => ({ code: child.exitCode, stdout, stderr }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

// ---- client.py's JSON ----

interface ResultJson {
  state: string;
  cause: string;
  exit_code: number;
  worker: string;
  attempt: number;
  error?: { code: string; message: string };
  stdout_text: string;
  stderr_text: string;
  output_included: boolean;
}

interface RunJson {
  task_id: string;
  events: { kind: string; task_id: string; stream?: string; size?: number }[];
  submitted_worker: string | null;
  running: { container_id: string; runtime: string; profile: string } | null;
  result: ResultJson | null;
  stdout: string;
  stderr: string;
}

interface GetJson {
  task_id: string;
  state_name: string;
  finished: boolean;
  worker: string;
  tool_type: string;
  attempt: number;
  result?: ResultJson;
}

interface WorkerJson {
  agent_id: string;
  name: string;
  connected: boolean;
  healthy: boolean;
  group: string;
  capabilities: { tool_types: string[]; max_concurrent_tasks: number };
}

interface TaskSummaryJson {
  task_id: string;
  tool_type: string;
  state_name: string;
  worker: string;
  cause: string;
  submitted_at_ms: string;
  finished_at_ms: string;
}

interface ErrorJson {
  error: { code: string; details: string };
}

// ---- orchestrator.py's journal ----

interface JournalEvent {
  seq: number;
  at_ms: number;
  event: string;
  // register
  number?: number;
  request?: {
    name: string;
    boot_id: string;
    agent_id: string;
    resume_token_sent: boolean;
    resume_token_matches: boolean;
    protocol_version: number;
    max_receive_message_bytes: number;
    tool_types: string[];
  };
  answer?: { agent_id: string; resumed: boolean; resume_token_given: boolean; protocol_version: number };
  // heartbeat, hello, unregister
  agent_id?: string;
  token_ok?: boolean;
  leases?: { task_id: string; lease_epoch: number }[];
  active_task_ids?: string[];
  draining?: boolean;
  reason?: string;
  // message (from the worker) and sent (to it)
  stream?: number;
  kind?: string;
  task_id?: string;
  lease_epoch?: number;
  offset?: number | null;
  data_b64?: string;
  state?: string;
  cause?: string;
  exit_code?: number;
  error_code?: string | null;
  output_included?: boolean;
  stdout_b64?: string;
  attempt?: number;
  worker?: string;
  container_id?: string;
  profile?: string;
  outcome?: string;
  accepted?: boolean;
  waiting_for?: string;
}

before(async () => {
  const { stdout } = await promisify(execFile)('bash', [join(ROOT, 'scripts/ensure-python-peer.sh')], { cwd: ROOT, timeout: 600_000 });
  stubDir = stdout.trim();
  assert.ok(existsSync(join(stubDir, 'agent/v1/agent_pb2_grpc.py')), `stubs generated in ${stubDir}`);
}, { timeout: 600_000 });

describe('(a) a Python TaskService client against bin/orchestrator + bin/worker', () => {
  let dir: string;
  let addr: string;
  let orchestrator: Proc | undefined;
  let worker: Proc | undefined;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  const ids: Record<string, string> = {};

  const call = async (args: readonly string[]): Promise<{ code: number | null; json: unknown; stderr: string }> => {
    const r = await startPython(CLIENT, ['--addr', addr, ...args]).exited;
    let json: unknown;
    try {
      json = JSON.parse(r.stdout);
    } catch {
      assert.fail(`client.py ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stdout} ${r.stderr}`);
    }
    return { code: r.code, json, stderr: r.stderr };
  };
  /** A call that must succeed. */
  const client = async <T>(args: readonly string[]): Promise<T> => {
    const r = await call(args);
    assert.equal(r.code, 0, `client.py ${args.join(' ')}: ${JSON.stringify(r.json)} ${r.stderr}`);
    return r.json as T;
  };
  /** A call that must fail with a gRPC status. */
  const refused = async (args: readonly string[]): Promise<ErrorJson['error']> => {
    const r = await call(args);
    assert.equal(r.code, 3, `client.py ${args.join(' ')} should fail: ${JSON.stringify(r.json)}`);
    return (r.json as ErrorJson).error;
  };

  before(async () => {
    dir = await mkdtemp('/tmp/bpy-');
    addr = `unix://${dir}/grpc.sock`;
    ws = await makeWorkspace({ 'hello.txt': HELLO, 'second.txt': 'two\n' });
    orchestrator = startBin('orchestrator', ['--listen', addr, '--data-dir', join(dir, 'data'), '--log-format', 'json']);
    worker = startBin('worker', [
      '--orchestrator-addr', addr, '--name', 'py-client-worker', '--config', FAULT_TOOLS, '--work-dir', join(dir, 'work'),
      '--heartbeat-interval', '500ms', '--reconnect-interval', '200ms', '--log-format', 'json',
    ]);
    await waitUntil(async () => {
      const r = await call(['workers']);
      return r.code === 0 && (r.json as { workers: WorkerJson[] }).workers.some((w) => w.name === 'py-client-worker' && w.connected);
    }, 30_000, 'the worker registered');
  }, { timeout: 60_000 });

  after(async () => {
    await worker?.stop('SIGTERM');
    await orchestrator?.stop('SIGTERM');
    await ws?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('ListWorkers: the worker, connected and healthy, with the tools it serves', async () => {
    const { workers } = await client<{ workers: WorkerJson[] }>(['workers']);
    const mine = workers.find((w) => w.name === 'py-client-worker');
    assert.ok(mine, JSON.stringify(workers));
    assert.match(mine.agent_id, /\S/);
    assert.equal(mine.connected, true);
    assert.equal(mine.healthy, true);
    assert.equal(mine.group, 'default');
    for (const tool of ['file_read', 'list', 'sleeper']) assert.ok(mine.capabilities.tool_types.includes(tool), tool);
  });

  it('RunTask streams submitted, running, the output and the result, in that order', async () => {
    const run = await client<RunJson>(['run', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt']);
    ids.read = run.task_id;
    assert.match(run.task_id, /\S/);
    const kinds = run.events.map((e) => e.kind);
    assert.equal(kinds[0], 'submitted');
    assert.equal(kinds.at(-1), 'result');
    assert.equal(kinds.filter((k) => k === 'result').length, 1);
    assert.ok(kinds.indexOf('running') > 0 && kinds.indexOf('running') < kinds.indexOf('output'), kinds.join(','));
    assert.ok(run.events.every((e) => e.task_id === run.task_id), 'every event names the task');
    assert.equal(run.submitted_worker, 'py-client-worker');
    assert.match(run.running?.container_id ?? '', /^[0-9a-f]{12,}$/);
    assert.match(run.running?.profile ?? '', /^baaaht\/v1 .*workspace=ro/);
    assert.equal(run.stdout, HELLO, 'the output chunks are the file');
    assert.equal(run.stderr, '');
    assert.equal(run.result?.state, 'TASK_STATE_COMPLETED');
    assert.equal(run.result?.cause, 'COMPLETED');
    assert.equal(run.result?.exit_code, 0);
    assert.equal(run.result?.worker, 'py-client-worker');
    assert.equal(run.result?.attempt, 1);
  });

  it('RunTask: a tool that exits non-zero completes with NON_ZERO_EXIT and its stderr', async () => {
    const run = await client<RunJson>(['run', 'file_read', '--mount', ws.dir, '--param', 'path=absent.txt']);
    assert.equal(run.result?.state, 'TASK_STATE_COMPLETED');
    assert.equal(run.result?.cause, 'NON_ZERO_EXIT');
    assert.equal(run.result?.exit_code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /No such file/);
  });

  it('a path that leaves the workspace is refused with PATH_ESCAPE and no container', async () => {
    const r = await call(['run', 'file_read', '--mount', ws.dir, '--param', 'path=../../etc/passwd']);
    if (r.code === 3) {
      // Refused at submission (docs/protocol.md §9: INVALID_ARGUMENT, the code first).
      const { error } = r.json as ErrorJson;
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.details, /^PATH_ESCAPE/);
    } else {
      // Or by the worker before any container ([W13]).
      assert.equal(r.code, 0, r.stderr);
      const run = r.json as RunJson;
      assert.equal(run.result?.state, 'TASK_STATE_FAILED');
      assert.equal(run.result?.cause, 'PATH_ESCAPE');
      assert.equal(run.result?.error?.code, 'PATH_ESCAPE');
      assert.ok(!run.events.some((e) => e.kind === 'running'), 'no container ran');
      assert.equal(run.stdout, '');
    }
  });

  it('SubmitTask returns the id at once; GetTask follows it to its stored result', async () => {
    const { task_id } = await client<{ task_id: string }>(['submit', 'list', '--mount', ws.dir, '--param', 'path=.', '--worker', 'py-client-worker']);
    ids.list = task_id;
    assert.match(task_id, /\S/);
    const view = await client<GetJson>(['get', task_id, '--wait', '30']);
    assert.equal(view.task_id, task_id);
    assert.equal(view.finished, true);
    assert.equal(view.state_name, 'TASK_STATE_COMPLETED');
    assert.equal(view.tool_type, 'list');
    assert.equal(view.worker, 'py-client-worker');
    assert.equal(view.attempt, 1);
    assert.equal(view.result?.cause, 'COMPLETED');
    assert.match(view.result?.stdout_text ?? '', /hello\.txt/);
    assert.match(view.result?.stdout_text ?? '', /second\.txt/);
  });

  it('GetTask of an unknown id fails NOT_FOUND', async () => {
    const error = await refused(['get', 'no-such-task']);
    assert.equal(error.code, 'NOT_FOUND');
  });

  it('[O14] CancelTask stops a running task: found, and the follower\'s stream ends CANCELLED', async () => {
    const follower = startPython(CLIENT, ['--addr', addr, 'run', 'sleeper', '--param', 'seconds=60']);
    try {
      const running = await waitUntil(async () => {
        const { tasks } = await client<{ tasks: TaskSummaryJson[] }>(['tasks']);
        return tasks.find((t) => t.tool_type === 'sleeper' && t.state_name === 'TASK_STATE_RUNNING');
      }, 30_000, 'the sleeper running');
      ids.cancelled = running.task_id;
      const before = await client<GetJson>(['get', running.task_id]);
      assert.equal(before.finished, false, 'it runs until cancelled');
      const cancelledAt = Date.now();
      assert.deepEqual(await client<{ found: boolean }>(['cancel', running.task_id]), { found: true });
      const r = await follower.exited;
      assert.equal(r.code, 0, r.stderr);
      const run = JSON.parse(r.stdout) as RunJson;
      assert.ok(Date.now() - cancelledAt < 20_000, 'ended by the cancel, not by its 60 s');
      assert.equal(run.task_id, running.task_id);
      assert.ok(run.events.some((e) => e.kind === 'running'));
      assert.equal(run.events.at(-1)?.kind, 'result');
      assert.equal(run.result?.state, 'TASK_STATE_CANCELLED');
      assert.equal(run.result?.cause, 'CANCELLED');
      const view = await client<GetJson>(['get', running.task_id]);
      assert.equal(view.state_name, 'TASK_STATE_CANCELLED');
      assert.equal(view.result?.cause, 'CANCELLED');
    } finally {
      await follower.stop();
    }
  });

  it('CancelTask of a finished or an unknown task: found false', async () => {
    assert.ok(ids.cancelled && ids.read);
    assert.deepEqual(await client<{ found: boolean }>(['cancel', ids.cancelled]), { found: false });
    assert.deepEqual(await client<{ found: boolean }>(['cancel', ids.read]), { found: false });
    assert.deepEqual(await client<{ found: boolean }>(['cancel', 'no-such-task']), { found: false });
  });

  it('CancelTask of a task queued behind a busy worker: found, CANCELLED without running', async () => {
    // The worker runs 4 at once: four sleepers fill it, the fifth task waits.
    const fillers = await Promise.all(
      [0, 1, 2, 3].map(() => client<{ task_id: string }>(['submit', 'sleeper', '--param', 'seconds=60'])),
    );
    try {
      await waitUntil(async () => {
        const views = await Promise.all(fillers.map(({ task_id }) => client<GetJson>(['get', task_id])));
        return views.every((v) => v.state_name === 'TASK_STATE_RUNNING');
      }, 30_000, 'four sleepers running');
      const { task_id } = await client<{ task_id: string }>(['submit', 'sleeper', '--param', 'seconds=60']);
      const queued = await client<GetJson>(['get', task_id]);
      assert.notEqual(queued.state_name, 'TASK_STATE_RUNNING');
      assert.deepEqual(await client<{ found: boolean }>(['cancel', task_id]), { found: true });
      const view = await client<GetJson>(['get', task_id, '--wait', '15']);
      assert.equal(view.state_name, 'TASK_STATE_CANCELLED');
      assert.equal(view.result?.cause, 'CANCELLED');
    } finally {
      await Promise.all(fillers.map(({ task_id }) => client<{ found: boolean }>(['cancel', task_id, '--force'])));
    }
    for (const { task_id } of fillers) {
      const view = await client<GetJson>(['get', task_id, '--wait', '20']);
      assert.equal(view.state_name, 'TASK_STATE_CANCELLED');
    }
  });

  it('ListTasks: the finished tasks with their causes when asked for, none otherwise', async () => {
    const { tasks } = await client<{ tasks: TaskSummaryJson[] }>(['tasks', '--recent', '50']);
    const byId = new Map(tasks.map((t) => [t.task_id, t]));
    const read = byId.get(ids.read ?? '');
    assert.equal(read?.tool_type, 'file_read');
    assert.equal(read?.state_name, 'TASK_STATE_COMPLETED');
    assert.equal(read?.cause, 'COMPLETED');
    assert.equal(read?.worker, 'py-client-worker');
    assert.ok(Number(read?.finished_at_ms) >= Number(read?.submitted_at_ms) && Number(read?.submitted_at_ms) > 0);
    assert.equal(byId.get(ids.list ?? '')?.state_name, 'TASK_STATE_COMPLETED');
    const cancelled = byId.get(ids.cancelled ?? '');
    assert.equal(cancelled?.state_name, 'TASK_STATE_CANCELLED');
    assert.equal(cancelled?.cause, 'CANCELLED');
    const unfinished = (await client<{ tasks: TaskSummaryJson[] }>(['tasks'])).tasks;
    assert.ok(!unfinished.some((t) => [ids.read, ids.list, ids.cancelled].includes(t.task_id)), 'recent_finished 0: no finished task');
    assert.ok(unfinished.every((t) => ['TASK_STATE_QUEUED', 'TASK_STATE_RUNNING'].includes(t.state_name)), JSON.stringify(unfinished));
  });

  // Protocol version 2, orchestrator side.
  it('[O11] a task naming a session is refused at submission with INVALID_ARGUMENT', async () => {
    const error = await refused(['run', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt', '--session-id', 'py-session']);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.match(error.details, /session/i);
    const submitError = await refused(['submit', 'file_read', '--mount', ws.dir, '--param', 'path=hello.txt', '--session-id', 'py-session']);
    assert.equal(submitError.code, 'INVALID_ARGUMENT');
  });
});

describe('(b) a real bin/worker against a Python orchestrator', () => {
  let dir: string;
  let ws: Awaited<ReturnType<typeof makeWorkspace>>;
  let python: PyProc | undefined;
  let worker: Proc | undefined;
  let workerExit: number | null = null;
  let journal: JournalEvent[] = [];

  const parse = (stdout: string): JournalEvent[] =>
    stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as JournalEvent);
  const messages = (taskId: string, stream?: number): JournalEvent[] =>
    journal.filter((e) => e.event === 'message' && e.task_id === taskId && (stream === undefined || e.stream === stream));
  const only = (events: JournalEvent[], what: string): JournalEvent => {
    assert.equal(events.length, 1, `exactly one ${what}: ${JSON.stringify(events)}`);
    return events[0]!;
  };
  const completedOf = (taskId: string, stream?: number): JournalEvent => only(messages(taskId, stream).filter((e) => e.kind === 'completed'), `completed of ${taskId}`);
  const sentOf = (kind: string, taskId: string): JournalEvent[] => journal.filter((e) => e.event === 'sent' && e.kind === kind && e.task_id === taskId);
  const registrations = (): JournalEvent[] => journal.filter((e) => e.event === 'register');
  /** The output chunks of these messages, in order, checked to follow each other by offset from 0. */
  const chunked = (events: JournalEvent[]): Buffer => {
    let next = 0;
    const parts: Buffer[] = [];
    for (const e of events.filter((m) => m.kind === 'output')) {
      assert.equal(e.offset, next, `[W14] chunk offsets follow each other: ${JSON.stringify(e)}`);
      const data = Buffer.from(e.data_b64 ?? '', 'base64');
      parts.push(data);
      next += data.length;
    }
    return Buffer.concat(parts);
  };

  before(async () => {
    dir = await mkdtemp('/tmp/bpy-orch-');
    ws = await makeWorkspace({ 'hello.txt': HELLO });
    const socket = join(dir, 'agent.sock');
    python = startPython(ORCHESTRATOR, ['--socket', socket, '--workspace', ws.dir, '--file', 'hello.txt', '--heartbeat-interval-ms', '300']);
    await waitUntil(() => python!.output().stdout.includes('"listening"') || python!.output().code !== null, 15_000, 'orchestrator.py listening');
    assert.equal(python.output().code, null, `orchestrator.py exited: ${python.output().stderr}`);
    // The worker's own heartbeat interval is its default (30 s): it must beat at the orchestrator's.
    worker = startBin('worker', [
      '--orchestrator-addr', `unix://${socket}`, '--name', 'py-orch-worker', '--config', FAULT_TOOLS, '--work-dir', join(dir, 'work'),
      '--reconnect-interval', '200ms', '--max-recv-msg-size', '8388608', '--log-format', 'json',
    ]);
    await waitUntil(() => /"scenario_(done|failed)"/.test(python!.output().stdout) || python!.output().code !== null, 150_000, 'the scenario to end');
    // The worker stops: it half-closes its stream, unregisters and exits.
    workerExit = await worker.stop('SIGTERM');
    await waitUntil(() => python!.output().stdout.includes('"unregister"'), 15_000, 'the worker\'s Unregister').catch(() => undefined);
    const r = await python.stop();
    journal = parse(r.stdout);
    if (!journal.some((e) => e.event === 'scenario_done')) {
      console.error(`orchestrator.py:\n${r.stdout}\n${r.stderr}\nworker:\n${worker.output().stdout}\n${worker.output().stderr}`);
    }
  }, { timeout: 240_000 });

  after(async () => {
    await worker?.stop('SIGKILL');
    await python?.stop();
    await ws?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('the scenario ran to its end: every awaited step came in time', () => {
    const failed = journal.find((e) => e.event === 'scenario_failed');
    assert.equal(failed, undefined, `stuck waiting for ${failed?.waiting_for}`);
    assert.ok(journal.some((e) => e.event === 'scenario_done'));
    assert.equal(journal.filter((e) => e.event === 'stream_refused').length, 0, 'every stream opened with hello and the token');
  });

  it('[W2][W3][W8] the worker registers, opens the task stream with hello and its token', () => {
    const first = registrations()[0];
    assert.equal(first?.number, 1);
    assert.equal(first?.request?.name, 'py-orch-worker');
    assert.equal(first?.request?.agent_id, '', 'a new worker asks for no agent id');
    assert.equal(first?.request?.resume_token_sent, false);
    assert.equal(first?.answer?.resume_token_given, true);
    assert.match(first?.request?.boot_id ?? '', /\S/);
    for (const tool of ['file_read', 'list', 'sleeper']) assert.ok(first?.request?.tool_types.includes(tool), tool);
    const hello = journal.find((e) => e.event === 'hello' && e.stream === 1);
    assert.equal(hello?.agent_id, first?.answer?.agent_id);
    assert.equal(hello?.token_ok, true);
    assert.ok(journal.filter((e) => e.event === 'heartbeat').every((e) => e.token_ok === true && e.agent_id === first?.answer?.agent_id), 'every heartbeat carries the token');
  });

  it('[W4] heartbeats at the orchestrator\'s interval (300 ms; its own is 30 s)', () => {
    const done = journal.find((e) => e.event === 'scenario_done')?.at_ms ?? Number.POSITIVE_INFINITY;
    const beats = journal.filter((e) => e.event === 'heartbeat' && e.at_ms < done).map((e) => e.at_ms);
    assert.ok(beats.length >= 10, `${beats.length} heartbeats`);
    const gaps = beats.slice(1).map((t, i) => t - beats[i]!).sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    assert.ok(median >= 150 && median <= 600, `median gap ${median} ms`);
  });

  it('[W9][W11][W14] task A: accepted, running, output, one completed, all with epoch 2; the output is the file', () => {
    const a = messages('task-a', 1);
    const kinds = a.map((e) => e.kind);
    assert.equal(kinds[0], 'accepted');
    assert.equal(kinds[1], 'running');
    assert.equal(kinds.at(-1), 'completed');
    assert.ok(kinds.slice(2, -1).every((k) => k === 'output') && kinds.length > 3, kinds.join(','));
    assert.ok(a.every((e) => e.lease_epoch === 2), 'every message echoes the lease epoch');
    assert.match(a[1]?.container_id ?? '', /^[0-9a-f]{12,}$/);
    assert.match(a[1]?.profile ?? '', /^baaaht\/v1 /);
    assert.equal(chunked(a).toString(), HELLO);
    const done = completedOf('task-a');
    assert.equal(done.state, 'TASK_STATE_COMPLETED');
    assert.equal(done.cause, 'COMPLETED');
    assert.equal(done.exit_code, 0);
    assert.equal(done.attempt, 2, 'the attempt of the assignment');
    assert.equal(done.worker, 'py-orch-worker');
    assert.equal(done.output_included, false, 'the output went as chunks');
  });

  it('[W11] task B (list): completed; task C (a sleeper of 60 s), cancelled while running, ends CANCELLED', () => {
    const b = completedOf('task-b', 1);
    assert.equal(b.state, 'TASK_STATE_COMPLETED');
    assert.match(chunked(messages('task-b', 1)).toString(), /hello\.txt/);
    const cancel = only(sentOf('cancel', 'task-c'), 'cancel of task-c');
    assert.ok(messages('task-c', 1).some((e) => e.kind === 'running' && e.seq < cancel.seq), 'it was running when cancelled');
    const c = completedOf('task-c', 1);
    assert.equal(c.state, 'TASK_STATE_CANCELLED');
    assert.equal(c.cause, 'CANCELLED');
    assert.equal(c.lease_epoch, 1);
    assert.ok(c.at_ms - cancel.at_ms < 10_000, `ended ${c.at_ms - cancel.at_ms} ms after the cancel`);
  });

  it('a cancel for a task the worker never had starts nothing; task D, cancelled, ends CANCELLED', () => {
    assert.ok(messages('task-unknown').every((e) => e.kind === 'cancel_reply'), JSON.stringify(messages('task-unknown')));
    const d = completedOf('task-d', 1);
    assert.equal(d.state, 'TASK_STATE_CANCELLED');
    assert.equal(d.cause, 'CANCELLED');
    // Task E (a session) is answered as well; what with is version 2's (below).
    assert.equal(completedOf('task-e', 1).lease_epoch, 1);
  });

  it('[W16] heartbeats list a finished result\'s lease until its ack, and not after', () => {
    const beats = journal.filter((e) => e.event === 'heartbeat');
    const holds = (e: JournalEvent, taskId: string, epoch: number) => e.leases?.some((l) => l.task_id === taskId && l.lease_epoch === epoch) ?? false;
    const bDone = completedOf('task-b', 1);
    const bAck = only(sentOf('ack', 'task-b'), 'ack of task-b');
    assert.equal(bAck.stream, 2, 'B is acknowledged only after the reconnect');
    const unacked = beats.filter((e) => e.at_ms > bDone.at_ms + 400 && e.at_ms < bAck.at_ms);
    assert.ok(unacked.length >= 3 && unacked.every((e) => holds(e, 'task-b', 1)), 'B\'s lease stays while its result is unacknowledged');
    for (const [task, epoch] of [['task-a', 2], ['task-b', 1], ['task-c', 1], ['task-d', 1], ['task-e', 1]] as const) {
      const ack = only(sentOf('ack', task), `ack of ${task}`);
      assert.equal(ack.lease_epoch, epoch, 'acked with the result\'s epoch');
      const later = beats.filter((e) => e.at_ms > ack.at_ms + 400);
      assert.ok(later.length > 0 && !later.some((e) => holds(e, task, epoch)), `${task}'s lease is gone after its ack`);
    }
  });

  it('[W2][W17] a reconnect: the same agent id and token, resumed, and only the unacknowledged result is resent', () => {
    const [first, second, third] = registrations();
    assert.equal(registrations().length, 3, 'two reconnects, three registrations');
    const agentId = first?.answer?.agent_id;
    for (const again of [second, third]) {
      assert.equal(again?.request?.agent_id, agentId, 'it presents its agent id');
      assert.equal(again?.request?.resume_token_sent, true);
      assert.equal(again?.request?.resume_token_matches, true, 'with the resume token it was given');
      assert.equal(again?.request?.boot_id, first?.request?.boot_id, 'the same process');
      assert.equal(again?.answer?.resumed, true);
      assert.equal(again?.answer?.agent_id, agentId);
    }
    assert.equal(journal.find((e) => e.event === 'hello' && e.stream === 2)?.agent_id, agentId);
    // Stream 2: B again, nothing else.
    const resent = journal.filter((e) => e.event === 'message' && e.stream === 2);
    assert.deepEqual([...new Set(resent.map((e) => e.task_id))], ['task-b'], 'only B, the unacknowledged one');
    const b = completedOf('task-b', 2);
    assert.equal(b.lease_epoch, 1);
    assert.equal(b.state, 'TASK_STATE_COMPLETED');
    assert.equal(b.cause, 'COMPLETED');
    const original = chunked(messages('task-b', 1));
    // With output_offsets the output comes again as chunks from offset 0, then completed without it.
    const again = b.output_included ? Buffer.from(b.stdout_b64 ?? '', 'base64') : chunked(resent);
    assert.equal(again.toString('base64'), original.toString('base64'), 'the same output');
    assert.ok(original.length > 0);
  });

  it('[W16] no resend after an ack: the third stream gets nothing', () => {
    assert.ok(journal.some((e) => e.event === 'hello' && e.stream === 3));
    assert.deepEqual(journal.filter((e) => e.event === 'message' && e.stream === 3), []);
  });

  it('[W6] SIGTERM: the worker unregisters with its token and exits 0', () => {
    const unregister = only(journal.filter((e) => e.event === 'unregister'), 'Unregister');
    assert.equal(unregister.agent_id, registrations()[0]?.answer?.agent_id);
    assert.equal(unregister.token_ok, true);
    assert.equal(workerExit, 0);
    assert.equal(registrations().length, 3, 'no registration after it decided to stop');
  });

  // Protocol version 2, worker side.
  it('[W3] Register carries protocol_version 2 and the worker\'s receive limit; the answer is version 2', () => {
    for (const r of registrations()) {
      assert.equal(r.request?.protocol_version, 2);
      assert.equal(r.request?.max_receive_message_bytes, 8388608, 'its --max-recv-msg-size');
      assert.equal(r.answer?.protocol_version, 2);
    }
  });

  it('[W21] every cancel is answered: CANCELLING for a running task, UNKNOWN for one never assigned', () => {
    const c = only(messages('task-c').filter((e) => e.kind === 'cancel_reply'), 'cancel_reply of task-c');
    assert.equal(c.outcome, 'CANCEL_OUTCOME_CANCELLING');
    assert.equal(c.lease_epoch, 1);
    const unknown = only(messages('task-unknown').filter((e) => e.kind === 'cancel_reply'), 'cancel_reply of task-unknown');
    assert.equal(unknown.outcome, 'CANCEL_OUTCOME_UNKNOWN');
    assert.equal(unknown.lease_epoch, 1, 'the cancel\'s epoch');
    assert.equal(messages('task-unknown').length, 1, 'and nothing else');
  });

  it('[W22] a cancel before its assignment is remembered: the task ends CANCELLED at once, without a container', () => {
    const reply = messages('task-d').find((e) => e.kind === 'cancel_reply');
    assert.equal(reply?.outcome, 'CANCEL_OUTCOME_UNKNOWN');
    assert.equal(journal.filter((e) => e.event === 'early_cancel_forgotten').length, 0);
    assert.equal(sentOf('cancel', 'task-d').length, 1, 'one cancel was enough');
    assert.ok(!messages('task-d').some((e) => e.kind === 'running'), 'no container');
    const d = completedOf('task-d');
    assert.equal(d.state, 'TASK_STATE_CANCELLED');
    assert.equal(d.cause, 'CANCELLED');
  });

  it('[W13] a task naming a session fails SESSION_UNSUPPORTED without a container', () => {
    const e = completedOf('task-e');
    assert.equal(e.state, 'TASK_STATE_FAILED');
    assert.equal(e.cause, 'SESSION_UNSUPPORTED');
    assert.equal(e.error_code, 'SESSION_UNSUPPORTED');
    assert.ok(!messages('task-e').some((m) => m.kind === 'running' || m.kind === 'output'));
  });

  it('[W4] active_task_ids are leased tasks (queued or running); a finished one waiting for its ack is in leases only', () => {
    const beats = journal.filter((e) => e.event === 'heartbeat');
    assert.ok(beats.some((e) => (e.leases ?? []).length > (e.active_task_ids ?? []).length), 'some heartbeat lists a finished, unacknowledged lease');
    for (const e of beats) {
      const leased = new Set((e.leases ?? []).map((l) => l.task_id));
      for (const id of e.active_task_ids ?? []) assert.ok(leased.has(id), JSON.stringify(e));
    }
  });
});
