import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import winston from 'winston';
import { Task, TaskResult, TaskState } from '../gen/agent/v1/agent.js';
import type { BrokerObserver, ObservedTask, ObservedWorker } from './broker-observer.js';
import { orchestratorReadiness } from './health-readiness.js';
import { OTHER_LABEL, BoundedLabel, causeLabel, stateLabel } from './orchestrator-metrics-labels.js';
import { brokerMetricsSources, OrchestratorMetrics, type OrchestratorMetricsSources } from './orchestrator-metrics.js';
import { createTaskBroker, type TaskBroker } from './task-broker.js';
import { IN_MEMORY, openTaskStore } from './task-store.js';
import type { WorkerRegistration } from './worker-record.js';

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function series(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

const idle: OrchestratorMetricsSources = { tasks: () => ({ queued: 0, leased: 0 }), workers: () => [] };
const observed = (toolType: string, submittedAtMs = 0, attempt = 0): ObservedTask => ({ taskId: 't', task: { toolType }, submittedAtMs, attempt });
const worker = (group: string, toolTypes: readonly string[] = []): ObservedWorker => ({
  agentId: 'a',
  registration: { name: 'w', group, capabilities: { toolTypes: [...toolTypes], maxConcurrentTasks: 1, runtimes: [] } },
});
const noPlacement = { worker: '', group: '', labels: {} };

describe('OrchestratorMetrics', () => {
  it('counts submissions and finishes by tool, state and cause, with durations from submission', async () => {
    const metrics = new OrchestratorMetrics(idle, { defaultMetrics: false });
    metrics.taskSubmitted(observed('file_read'));
    metrics.taskSubmitted(observed('file_read'));
    metrics.taskSubmitted(observed('grep'));
    metrics.taskFinished(observed('file_read', 1_000), { state: TaskState.TASK_STATE_COMPLETED, cause: 'COMPLETED' }, 3_500);
    metrics.taskFinished(observed('grep', 1_000), { state: TaskState.TASK_STATE_FAILED, cause: 'NO_WORKER' }, 1_000);
    const text = await metrics.text();
    assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="file_read"}'), 2);
    assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="grep"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_tasks_finished_total{tool="file_read",state="COMPLETED",cause="COMPLETED"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_tasks_finished_total{tool="grep",state="FAILED",cause="NO_WORKER"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_task_duration_seconds_sum{tool="file_read"}'), 2.5);
    assert.equal(series(text, 'baaaht_orchestrator_task_duration_seconds_bucket{le="1",tool="file_read"}'), 0);
    assert.equal(series(text, 'baaaht_orchestrator_task_duration_seconds_bucket{le="2.5",tool="file_read"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_task_duration_seconds_count{tool="grep"}'), 1);
    assert.match(text, /# TYPE baaaht_orchestrator_tasks_finished_total counter/);
    assert.match(text, /# TYPE baaaht_orchestrator_task_duration_seconds histogram/);
    assert.doesNotMatch(text, /process_cpu/, 'no default metrics when turned off');
  });

  it('observes the queue wait of first assignments only', async () => {
    const metrics = new OrchestratorMetrics(idle, { defaultMetrics: false });
    metrics.taskAssigned(observed('file_read', 1_000, 1), worker('default'), 1_040);
    metrics.taskAssigned(observed('file_read', 1_000, 2), worker('default'), 9_000);
    const text = await metrics.text();
    assert.equal(series(text, 'baaaht_orchestrator_queue_wait_seconds_count{tool="file_read"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_queue_wait_seconds_sum{tool="file_read"}'), 0.04);
    assert.equal(series(text, 'baaaht_orchestrator_queue_wait_seconds_bucket{le="0.025",tool="file_read"}'), 0);
    assert.equal(series(text, 'baaaht_orchestrator_queue_wait_seconds_bucket{le="0.05",tool="file_read"}'), 1);
  });

  it('counts lease losses, retries, registrations and removals', async () => {
    const metrics = new OrchestratorMetrics(idle, { defaultMetrics: false });
    metrics.workerRegistered(worker('gpu'), false);
    metrics.workerRegistered(worker('gpu'), true);
    metrics.leaseLost(observed('file_read'), 'retry');
    metrics.leaseLost(observed('file_read'), 'fail');
    metrics.taskRequeued(observed('file_read'), { cause: 'WORKER_LOST' });
    metrics.taskRequeued(observed('file_read'), { cause: 'a worker may send anything here' });
    metrics.workerRemoved(worker('gpu'), 'HEARTBEAT_TIMEOUT');
    const text = await metrics.text();
    assert.equal(series(text, 'baaaht_orchestrator_worker_registrations_total{group="gpu",resumed="false"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_worker_registrations_total{group="gpu",resumed="true"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_lease_losses_total{tool="file_read",then="retry"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_lease_losses_total{tool="file_read",then="fail"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_task_retries_total{tool="file_read",cause="WORKER_LOST"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_task_retries_total{tool="file_read",cause="other"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_worker_removals_total{group="gpu",reason="heartbeat_timeout"}'), 1);
  });

  it('reads queued and leased tasks and workers by group at each scrape; groups nobody is in go away', async () => {
    let tasks = { queued: 3, leased: 2 };
    let workers = [
      { group: 'default', connected: true },
      { group: 'default', connected: false },
      { group: 'gpu', connected: true },
    ];
    const metrics = new OrchestratorMetrics({ tasks: () => tasks, workers: () => workers }, { defaultMetrics: false });
    metrics.workerRegistered(worker('default'), false);
    metrics.workerRegistered(worker('gpu'), false);
    let text = await metrics.text();
    assert.equal(series(text, 'baaaht_orchestrator_queued_tasks'), 3);
    assert.equal(series(text, 'baaaht_orchestrator_leased_tasks'), 2);
    assert.equal(series(text, 'baaaht_orchestrator_registered_workers{group="default"}'), 2);
    assert.equal(series(text, 'baaaht_orchestrator_connected_workers{group="default"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_registered_workers{group="gpu"}'), 1);
    tasks = { queued: 0, leased: 1 };
    workers = [{ group: 'default', connected: false }];
    text = await metrics.text();
    assert.equal(series(text, 'baaaht_orchestrator_queued_tasks'), 0);
    assert.equal(series(text, 'baaaht_orchestrator_leased_tasks'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_connected_workers{group="default"}'), 0);
    assert.equal(series(text, 'baaaht_orchestrator_registered_workers{group="gpu"}'), undefined);
  });

  it('keeps tool and group labels few whatever clients and workers send', async () => {
    const metrics = new OrchestratorMetrics(idle, { defaultMetrics: false, maxCustomTools: 2, maxGroups: 1 });
    // A client's arbitrary tool types, before any worker serves them.
    for (let i = 0; i < 50; i++) metrics.taskSubmitted(observed(`tool_${i}_${'x'.repeat(200)}`));
    metrics.workerRegistered(worker('g1', ['file_read', 'mine', 'Not A Tool', 'second', 'third']), false);
    metrics.workerRegistered(worker('g2'), false);
    for (const tool of ['mine', 'second', 'third', 'file_read', 'grep']) metrics.taskSubmitted(observed(tool));
    metrics.workerRemoved(worker('g2'), 'UNREGISTERED');
    const text = await metrics.text();
    assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="other"}'), 51, '50 unknown, and "third" past the cap');
    assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="mine"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="second"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="file_read"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="grep"}'), 1, 'built-in tools need no worker');
    assert.equal(series(text, 'baaaht_orchestrator_worker_registrations_total{group="g1",resumed="false"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_worker_registrations_total{group="other",resumed="false"}'), 1);
    assert.equal(series(text, 'baaaht_orchestrator_worker_removals_total{group="other",reason="unregistered"}'), 1);
    assert.doesNotMatch(text, /xxxx|Not A Tool|third|g2/);
  });

  it('keeps a registry per orchestrator, with the process metrics on each', async () => {
    const a = new OrchestratorMetrics(idle);
    const b = new OrchestratorMetrics(idle);
    a.taskSubmitted(observed('file_read'));
    const [textA, textB] = await Promise.all([a.text(), b.text()]);
    assert.equal(series(textA, 'baaaht_orchestrator_tasks_submitted_total{tool="file_read"}'), 1);
    assert.equal(series(textB, 'baaaht_orchestrator_tasks_submitted_total{tool="file_read"}'), undefined);
    for (const text of [textA, textB]) {
      assert.match(text, /^process_cpu_user_seconds_total \d/m);
      assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
    }
  });
});

describe('orchestrator metric labels', () => {
  it('causeLabel keeps termination causes and calls anything else other', () => {
    assert.deepEqual(
      ['COMPLETED', 'NON_ZERO_EXIT', 'OUTPUT_TRUNCATED', 'NO_WORKER', 'WORKER_LOST', 'TOOL_TIMEOUT', 'completed', '', 'x'.repeat(300)].map(causeLabel),
      ['COMPLETED', 'NON_ZERO_EXIT', 'OUTPUT_TRUNCATED', 'NO_WORKER', 'WORKER_LOST', 'TOOL_TIMEOUT', OTHER_LABEL, OTHER_LABEL, OTHER_LABEL],
    );
  });

  it('stateLabel names final states and nothing else', () => {
    assert.deepEqual(
      [TaskState.TASK_STATE_COMPLETED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_TIMEOUT, TaskState.TASK_STATE_CANCELLED, TaskState.TASK_STATE_RUNNING, 99 as TaskState].map(
        stateLabel,
      ),
      ['COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED', 'UNSPECIFIED', 'UNSPECIFIED'],
    );
  });

  it('BoundedLabel admits up to its maximum besides the fixed values, never "other" itself', () => {
    const label = new BoundedLabel(2, ['fixed'], (v) => v.length < 10);
    for (const v of ['a', 'other', 'much too long a value', 'a', 'b', 'c']) label.admit(v);
    assert.deepEqual(['fixed', 'a', 'b', 'c', 'much too long a value', 'z'].map((v) => label.value(v)), ['fixed', 'a', 'b', 'other', 'other', 'other']);
  });
});

describe('orchestratorReadiness', () => {
  const cases = [
    { facts: { listening: false, closing: false }, expected: { ready: false, reason: 'not listening yet' } },
    { facts: { listening: true, closing: false }, expected: { ready: true } },
    { facts: { listening: true, closing: true }, expected: { ready: false, reason: 'the orchestrator is shutting down' } },
    { facts: { listening: false, closing: true }, expected: { ready: false, reason: 'the orchestrator is shutting down' } },
  ] as const;
  for (const { facts, expected } of cases) {
    it(`listening ${facts.listening}, closing ${facts.closing} → ${expected.ready ? 'ready' : 'not ready'}`, () => {
      assert.deepEqual(orchestratorReadiness(facts), expected);
    });
  }
});

describe('the broker tells its observer', () => {
  const registration = (name: string, group: string, toolTypes: string[]): WorkerRegistration => ({
    name,
    hostname: 'h',
    pid: 1,
    version: 'v',
    group,
    labels: {},
    capabilities: { toolTypes, maxConcurrentTasks: 1, runtimes: [] },
    bootId: `boot-${name}`,
    protocolVersion: 2,
    maxReceiveMessageBytes: 4 * 1024 * 1024,
  });

  const start = (observer?: BrokerObserver) => {
    let t = 10_000;
    const store = openTaskStore(IN_MEMORY);
    let broker: TaskBroker;
    const metrics = new OrchestratorMetrics(brokerMetricsSources(() => broker), { defaultMetrics: false });
    broker = createTaskBroker({
      logger: winston.createLogger({ silent: true }),
      store,
      workerTimeoutMs: 1_000,
      maxAttempts: 2,
      retention: { retentionMs: 60_000, maxEntries: 100, maxBytes: 1024 * 1024 },
      outputCapBytes: 1024,
      subscriberBufferBytes: 1024 * 1024,
      maxTaskBytes: 1024 * 1024,
      now: () => t,
      random: () => 0.5,
      observer: observer ?? metrics,
    });
    return {
      broker,
      metrics,
      advance: (ms: number) => (t += ms),
      close: () => {
        broker.shutdown('test over');
        broker.close();
        store.close();
      },
    };
  };
  const fileRead = Task.fromPartial({ toolType: 'file_read', params: { $case: 'fileRead', fileRead: { path: 'a' } } });

  it('of a task refused at once (no worker), with its tool, state and cause', async () => {
    const b = start();
    try {
      b.broker.submit(fileRead, noPlacement, { follow: false });
      b.broker.submit(Task.fromPartial({ toolType: 'y'.repeat(256), params: { $case: 'custom', custom: { values: {} } } }), noPlacement, { follow: false });
      const text = await b.metrics.text();
      assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="file_read"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_tasks_finished_total{tool="file_read",state="FAILED",cause="NO_WORKER"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="other"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_tasks_finished_total{tool="other",state="FAILED",cause="UNKNOWN_TOOL"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_task_duration_seconds_count{tool="file_read"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_task_duration_seconds_sum{tool="file_read"}'), 0);
      assert.equal(series(text, 'baaaht_orchestrator_queued_tasks'), 0);
    } finally {
      b.close();
    }
  });

  it('of registrations, the queue wait, lost leases, retries, results and removals', async () => {
    const b = start();
    try {
      const first = b.broker.registerWorker(registration('w1', 'gpu', ['file_read', 'my_tool']), { agentId: '', token: '' });
      if (first.kind !== 'registered') throw new Error('not registered');
      const { agentId } = first;
      let text = await b.metrics.text();
      assert.equal(series(text, 'baaaht_orchestrator_worker_registrations_total{group="gpu",resumed="false"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_registered_workers{group="gpu"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_connected_workers{group="gpu"}'), 0);

      // Its stream is not open yet: the task waits 250 ms for it.
      const myTool = Task.fromPartial({ toolType: 'my_tool', params: { $case: 'custom', custom: { values: {} } } });
      const { taskId } = b.broker.submit(myTool, noPlacement, { follow: false });
      assert.equal(series(await b.metrics.text(), 'baaaht_orchestrator_queued_tasks'), 1);
      b.advance(250);
      const session = b.broker.openSession(agentId);
      assert.ok(session);
      text = await b.metrics.text();
      assert.equal(series(text, 'baaaht_orchestrator_tasks_submitted_total{tool="my_tool"}'), 1, 'a tool a worker registered is its own label');
      assert.equal(series(text, 'baaaht_orchestrator_queue_wait_seconds_sum{tool="my_tool"}'), 0.25);
      assert.equal(series(text, 'baaaht_orchestrator_queued_tasks'), 0);
      assert.equal(series(text, 'baaaht_orchestrator_leased_tasks'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_connected_workers{group="gpu"}'), 1);

      // The worker leaves with the lease: lost, queued again (attempt 1 of 2).
      b.broker.unregisterWorker(agentId, 'test');
      text = await b.metrics.text();
      assert.equal(series(text, 'baaaht_orchestrator_worker_removals_total{group="gpu",reason="unregistered"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_lease_losses_total{tool="my_tool",then="retry"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_task_retries_total{tool="my_tool",cause="WORKER_LOST"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_queued_tasks'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_registered_workers{group="gpu"}'), undefined);

      // Another worker takes it up and completes it; the second assignment is no queue wait.
      const second = b.broker.registerWorker(registration('w2', 'gpu', ['my_tool']), { agentId: '', token: '' });
      if (second.kind !== 'registered') throw new Error('not registered');
      const session2 = b.broker.openSession(second.agentId);
      assert.ok(session2);
      b.advance(1_000); // the retry's backoff
      b.broker.sweep();
      session2.receive({ taskId, leaseEpoch: 2, event: { $case: 'completed', completed: TaskResult.fromPartial({ state: TaskState.TASK_STATE_COMPLETED, cause: 'COMPLETED' }) } });
      text = await b.metrics.text();
      assert.equal(series(text, 'baaaht_orchestrator_tasks_finished_total{tool="my_tool",state="COMPLETED",cause="COMPLETED"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_task_duration_seconds_sum{tool="my_tool"}'), 1.25);
      assert.equal(series(text, 'baaaht_orchestrator_queue_wait_seconds_count{tool="my_tool"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_leased_tasks'), 0);

      // Silent past the worker timeout: removed by the sweep.
      b.advance(1_001);
      b.broker.sweep();
      text = await b.metrics.text();
      assert.equal(series(text, 'baaaht_orchestrator_worker_removals_total{group="gpu",reason="heartbeat_timeout"}'), 1);
      assert.equal(series(text, 'baaaht_orchestrator_worker_registrations_total{group="gpu",resumed="false"}'), 2);
    } finally {
      b.close();
    }
  });

  it('and goes on when the observer throws', () => {
    const calls: string[] = [];
    const throwing = new Proxy({} as BrokerObserver, {
      get: (_target, name) => () => {
        calls.push(String(name));
        throw new Error('observer bug');
      },
    });
    const b = start(throwing);
    try {
      const { taskId } = b.broker.submit(fileRead, noPlacement, { follow: false });
      assert.deepEqual(calls, ['taskSubmitted', 'taskFinished']);
      assert.equal(b.broker.getTask(taskId)?.result?.cause, 'NO_WORKER');
    } finally {
      b.close();
    }
  });
});
