// #12 §3: the published contract is enough in a second language. A Python orchestrator
// (test/conformance/python/orchestrator.py) serves AgentService to a real bin/worker: register,
// assign, output, ack, cancel, reconnect with resend. It prints what it saw; this file asserts.
// Rule ids ([W4], ...) are docs/protocol.md's.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeWorkspace } from '../support/docker-fixtures.js';
import { startBin, waitUntil, type Proc } from '../support/processes.js';
import { ORCHESTRATOR, FAULT_TOOLS, HELLO, type PyProc, startPython, type JournalEvent, ensurePythonPeer } from './python-peer.js';

describe('(b) a real bin/worker against a Python orchestrator', () => {
  before(ensurePythonPeer, { timeout: 600_000 });

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
