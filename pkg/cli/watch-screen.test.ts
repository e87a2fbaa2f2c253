import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TaskState, TaskSummary, WorkerInfo } from '../gen/agent/v1/agent.js';
import { ansi } from './terminal-style.js';
import { formatChangeLines, formatWatchScreen, workerState, type WatchSnapshot } from './watch-screen.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

const gpu = WorkerInfo.fromPartial({
  agentId: 'a-1',
  name: 'gpu-1',
  group: 'gpu',
  capabilities: { toolTypes: ['file_read'], maxConcurrentTasks: 4 },
  activeTaskIds: ['3f2c0a1b-0000-4000-8000-000000000001'],
  lastHeartbeatMs: T0 - 400,
  labels: { zone: 'a', 'platform.os': 'linux', 'platform.arch': 'x64' },
  connected: true,
  healthy: true,
});
const plainWorker = WorkerInfo.fromPartial({
  agentId: 'a-2',
  name: 'w2',
  group: '',
  capabilities: { maxConcurrentTasks: 2 },
  lastHeartbeatMs: T0 - 65_000,
  connected: true,
  healthy: true,
  draining: true,
});
const runningTask = TaskSummary.fromPartial({
  taskId: '3f2c0a1b-0000-4000-8000-000000000001',
  toolType: 'file_read',
  state: TaskState.TASK_STATE_RUNNING,
  worker: 'gpu-1',
  attempt: 1,
  submittedAtMs: T0 - 3200,
});
const queuedTask = TaskSummary.fromPartial({
  taskId: '77aa0000-0000-4000-8000-000000000002',
  toolType: 'grep',
  state: TaskState.TASK_STATE_QUEUED,
  submittedAtMs: T0 - 1000,
});
const doneTask = TaskSummary.fromPartial({
  taskId: '9e8d7c6b-0000-4000-8000-000000000003',
  toolType: 'grep',
  state: TaskState.TASK_STATE_COMPLETED,
  worker: 'gpu-1',
  attempt: 1,
  submittedAtMs: T0 - 120_000,
  finishedAtMs: T0 - 65_000,
  cause: 'COMPLETED',
});

const snapshot: WatchSnapshot = { atMs: T0, workers: [gpu, plainWorker], tasks: [runningTask, queuedTask, doneTask] };
const options = { addr: 'unix:///tmp/o.sock', intervalMs: 1000, columns: 100, rows: 40 };

describe('workerState', () => {
  it('names one state, or both of draining and unhealthy', () => {
    assert.equal(workerState({ connected: true, draining: false, healthy: true }), 'connected');
    assert.equal(workerState({ connected: true, draining: true, healthy: true }), 'draining');
    assert.equal(workerState({ connected: true, draining: false, healthy: false }), 'unhealthy');
    assert.equal(workerState({ connected: true, draining: true, healthy: false }), 'draining,unhealthy');
    assert.equal(workerState({ connected: false, draining: true, healthy: false }), 'disconnected');
  });
});

describe('formatWatchScreen', () => {
  it('shows workers and tasks in aligned columns', () => {
    assert.deepEqual(formatWatchScreen(snapshot, options), [
      'baaaht watch · 2024-05-01 12:00:00Z · every 1s · unix:///tmp/o.sock',
      'WORKERS 2',
      'NAME   GROUP    STATE      RUNNING  HEARTBEAT  LABELS',
      'gpu-1  gpu      connected  1/4      0.4s ago   zone=a',
      'w2     default  draining   0/2      1m05s ago  -',
      'TASKS 2 open, 1 recently finished',
      'ID        TOOL       STATE      WORKER  ATTEMPT  AGE',
      '3f2c0a1b  file_read  RUNNING    gpu-1   1        3.2s',
      '77aa0000  grep       QUEUED     -       -        1.0s',
      '9e8d7c6b  grep       COMPLETED  gpu-1   1        1m05s',
    ]);
  });

  it('says when there is nothing, and when the orchestrator does not list tasks', () => {
    const { intervalMs: _, ...once } = options;
    assert.deepEqual(formatWatchScreen({ atMs: T0, workers: [], tasks: [] }, once), [
      'baaaht watch · 2024-05-01 12:00:00Z · unix:///tmp/o.sock',
      'WORKERS 0',
      '  no workers registered',
      'TASKS 0 open, 0 recently finished',
      '  no tasks',
    ]);
    assert.deepEqual(formatWatchScreen({ atMs: T0, workers: [], tasks: undefined }, options).slice(-2), ['TASKS', '  this orchestrator does not list tasks']);
  });

  it('shows a notice under the title', () => {
    assert.equal(formatWatchScreen(snapshot, { ...options, notice: 'reconnecting... (cannot reach it)' })[1], 'reconnecting... (cannot reach it)');
  });

  it('fits the terminal: lines cut to the width, tasks cut to the height with a count of the open ones left out', () => {
    const narrow = formatWatchScreen(snapshot, { ...options, columns: 30 });
    assert.ok(narrow.every((line) => [...line].length <= 29), JSON.stringify(narrow));
    assert.equal(narrow[3], 'gpu-1  gpu      connected  1…');
    const short = formatWatchScreen(snapshot, { ...options, rows: 9 });
    assert.equal(short.length, 9);
    assert.deepEqual(short.slice(-3), ['ID        TOOL       STATE    WORKER  ATTEMPT  AGE', '3f2c0a1b  file_read  RUNNING  gpu-1   1        3.2s', '  … 1 more open']);
  });

  it('shows at most 10 finished tasks', () => {
    const finished = Array.from({ length: 15 }, (_, i) => ({ ...doneTask, taskId: `f${String(i).padStart(7, '0')}-x` }));
    const lines = formatWatchScreen({ atMs: T0, workers: [], tasks: finished }, options);
    assert.equal(lines.filter((l) => l.startsWith('f')).length, 10);
    assert.equal(lines[3], 'TASKS 0 open, 15 recently finished');
  });

  it('colours states and worker states, not the padding', () => {
    const lines = formatWatchScreen(snapshot, { ...options, paint: ansi });
    assert.equal(lines[3], 'gpu-1  gpu      \u001b[32mconnected\u001b[39m  1/4      0.4s ago   zone=a');
    assert.equal(lines[4], 'w2     default  \u001b[33mdraining\u001b[39m   0/2      1m05s ago  -');
    assert.equal(lines[7], '3f2c0a1b  file_read  \u001b[36mRUNNING\u001b[39m    gpu-1   1        3.2s');
    assert.equal(lines[9], '9e8d7c6b  grep       \u001b[32mCOMPLETED\u001b[39m  gpu-1   1        1m05s');
    assert.ok(!formatWatchScreen(snapshot, options).join('\n').includes('\u001b'), 'no escape codes without paint');
  });
});

describe('formatChangeLines', () => {
  it('the first snapshot: workers and open tasks, not the finished history', () => {
    assert.deepEqual(formatChangeLines(undefined, snapshot), [
      '2024-05-01T12:00:00.000Z worker gpu-1 is connected, group gpu, 1/4 running, labels zone=a',
      '2024-05-01T12:00:00.000Z worker w2 is draining, group default, 0/2 running',
      '2024-05-01T12:00:00.000Z task 3f2c0a1b-0000-4000-8000-000000000001 file_read RUNNING on gpu-1 (attempt 1)',
      '2024-05-01T12:00:00.000Z task 77aa0000-0000-4000-8000-000000000002 grep QUEUED',
    ]);
  });

  it('nothing when nothing changed (ages and heartbeats do not count)', () => {
    const later = { ...snapshot, atMs: T0 + 5000, workers: [{ ...gpu, lastHeartbeatMs: T0 + 4000 }, plainWorker] };
    assert.deepEqual(formatChangeLines(snapshot, later), []);
  });

  it('a worker joins, leaves or changes state; a task starts, ends, moves or vanishes', () => {
    const at = T0 + 2000;
    const w3 = WorkerInfo.fromPartial({ agentId: 'a-3', name: 'w3', group: 'cpu', capabilities: { maxConcurrentTasks: 1 }, connected: true, healthy: true });
    const next: WatchSnapshot = {
      atMs: at,
      workers: [{ ...gpu, healthy: false }, w3],
      tasks: [
        { ...queuedTask, state: TaskState.TASK_STATE_RUNNING, worker: 'w3', attempt: 1 },
        TaskSummary.fromPartial({ taskId: 'new-one', toolType: 'list', state: TaskState.TASK_STATE_QUEUED, submittedAtMs: at }),
        { ...runningTask, state: TaskState.TASK_STATE_FAILED, finishedAtMs: at, cause: 'CONTAINER_FAILED' },
        TaskSummary.fromPartial({ taskId: 'quick', toolType: 'list', state: TaskState.TASK_STATE_COMPLETED, worker: 'w3', attempt: 1, finishedAtMs: at, cause: 'COMPLETED' }),
        doneTask,
      ],
    };
    const stamp = '2024-05-01T12:00:02.000Z';
    assert.deepEqual(formatChangeLines(snapshot, next), [
      `${stamp} worker gpu-1 connected -> unhealthy`,
      `${stamp} worker w3 joined: connected, group cpu, 0/1 running`,
      `${stamp} worker w2 left`,
      `${stamp} task 77aa0000-0000-4000-8000-000000000002 grep QUEUED -> RUNNING on w3 (attempt 1)`,
      `${stamp} task new-one list QUEUED`,
      `${stamp} task quick list COMPLETED on w3 (attempt 1)`,
      `${stamp} task 3f2c0a1b-0000-4000-8000-000000000001 file_read RUNNING -> FAILED on gpu-1 (attempt 1, CONTAINER_FAILED)`,
    ]);
    const moved = { ...next, atMs: at + 1000, tasks: [{ ...next.tasks![0]!, worker: 'gpu-1', attempt: 2 }] };
    assert.deepEqual(formatChangeLines(next, moved), [
      '2024-05-01T12:00:03.000Z task 77aa0000-0000-4000-8000-000000000002 grep RUNNING on gpu-1 (attempt 2)',
      '2024-05-01T12:00:03.000Z task new-one list is no longer listed',
    ]);
  });

  it('colours the new state when asked', () => {
    const next = { ...snapshot, atMs: T0 + 1, tasks: [{ ...runningTask, state: TaskState.TASK_STATE_COMPLETED, cause: 'COMPLETED' }] };
    assert.deepEqual(formatChangeLines(snapshot, next, ansi).filter((l) => l.includes(' task ')), [
      '2024-05-01T12:00:00.001Z task 3f2c0a1b-0000-4000-8000-000000000001 file_read RUNNING -> \u001b[32mCOMPLETED\u001b[39m on gpu-1 (attempt 1)',
      '2024-05-01T12:00:00.001Z task 77aa0000-0000-4000-8000-000000000002 grep is no longer listed',
    ]);
  });
});
