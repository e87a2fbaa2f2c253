import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { selectWorker, type DispatchRequest, type WorkerCandidate } from './select-worker.js';

const worker = (over: Partial<WorkerCandidate> & { agentId: string }): WorkerCandidate => ({
  name: over.agentId,
  group: 'default',
  labels: {},
  toolTypes: ['file_read', 'custom_tool'],
  maxConcurrentTasks: 2,
  inFlight: 0,
  connected: true,
  accepting: true,
  ...over,
});

const any = (toolType = 'file_read', builtin = true): DispatchRequest => ({ toolType, builtin, placement: { worker: '', group: '', labels: {} } });
const at = (placement: Partial<DispatchRequest['placement']>): DispatchRequest => ({ ...any(), placement: { ...any().placement, ...placement } });

describe('selectWorker', () => {
  const cases: Array<{ name: string; workers: WorkerCandidate[]; request: DispatchRequest; expect: unknown }> = [
    { name: 'least loaded first', workers: [worker({ agentId: 'a', inFlight: 1 }), worker({ agentId: 'b' })], request: any(), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'ties go to more free slots', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', maxConcurrentTasks: 4 })], request: any(), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'ties then go to registration order', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b' })], request: any(), expect: { kind: 'dispatch', agentId: 'a' } },
    { name: 'full workers make it wait', workers: [worker({ agentId: 'a', inFlight: 2 })], request: any(), expect: { kind: 'wait' } },
    { name: 'unset maxConcurrentTasks counts as 1', workers: [worker({ agentId: 'a', maxConcurrentTasks: 0, inFlight: 1 })], request: any(), expect: { kind: 'wait' } },
    { name: 'disconnected workers make it wait', workers: [worker({ agentId: 'a', connected: false })], request: any(), expect: { kind: 'wait' } },
    { name: 'draining workers get nothing new (it waits)', workers: [worker({ agentId: 'a', accepting: false })], request: any(), expect: { kind: 'wait' } },
    { name: 'accepting workers before draining or unhealthy ones', workers: [worker({ agentId: 'a', accepting: false }), worker({ agentId: 'b', inFlight: 1 })], request: any(), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'a worker whose disk is low comes after others', workers: [worker({ agentId: 'a', diskLow: true }), worker({ agentId: 'b', inFlight: 1 })], request: any(), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'a worker whose disk is low still runs tasks nobody else can take', workers: [worker({ agentId: 'a', diskLow: true }), worker({ agentId: 'b', inFlight: 2 })], request: any(), expect: { kind: 'dispatch', agentId: 'a' } },
    { name: 'a task that waited in the queue for a tool nobody serves now: NO_WORKER, not UNKNOWN_TOOL', workers: [worker({ agentId: 'a' })], request: { ...any('nope', false), waited: true }, expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no worker serving tool "nope" is connected' } } },
    { name: 'a worker that ran an earlier attempt comes last', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', inFlight: 1 })], request: { ...any(), avoid: new Set(['a']) }, expect: { kind: 'dispatch', agentId: 'b' } },
    { name: '... but is used when it is the only one free', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', inFlight: 2 })], request: { ...any(), avoid: new Set(['a']) }, expect: { kind: 'dispatch', agentId: 'a' } },
    { name: 'only workers that serve the tool', workers: [worker({ agentId: 'a', toolTypes: ['grep'] }), worker({ agentId: 'b', inFlight: 1 })], request: any(), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'built-in tool nobody serves: NO_WORKER', workers: [worker({ agentId: 'a', toolTypes: ['grep'] })], request: any(), expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no worker serving tool "file_read" is connected' } } },
    { name: 'no workers at all: NO_WORKER', workers: [], request: any(), expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no worker serving tool "file_read" is connected' } } },
    { name: 'unknown tool: UNKNOWN_TOOL', workers: [worker({ agentId: 'a' })], request: any('nope', false), expect: { kind: 'fail', error: { code: 'UNKNOWN_TOOL', message: 'no worker serving tool "nope" is connected' } } },
    { name: 'target by name', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', name: 'w2', inFlight: 1 })], request: at({ worker: 'w2' }), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'target by id', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', inFlight: 1 })], request: at({ worker: 'b' }), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'busy target waits', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', inFlight: 2 })], request: at({ worker: 'b' }), expect: { kind: 'wait' } },
    { name: 'unknown target: NO_WORKER', workers: [worker({ agentId: 'a' })], request: at({ worker: 'zz' }), expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no worker named or with id "zz" is registered' } } },
    { name: 'target that does not serve the tool', workers: [worker({ agentId: 'a', toolTypes: [] })], request: at({ worker: 'a' }), expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'worker "a" does not serve tool "file_read"' } } },
    { name: 'group: only its workers', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', group: 'gpu', inFlight: 1 })], request: at({ group: 'gpu' }), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'an empty worker group is the default group', workers: [worker({ agentId: 'a', group: '' })], request: at({ group: 'default' }), expect: { kind: 'dispatch', agentId: 'a' } },
    { name: 'labels: every one must match', workers: [worker({ agentId: 'a', labels: { zone: 'a' } }), worker({ agentId: 'b', inFlight: 1, labels: { zone: 'a', disk: 'ssd' } })], request: at({ labels: { zone: 'a', disk: 'ssd' } }), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'a busy matching worker waits (others are not used)', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', group: 'gpu', inFlight: 2 })], request: at({ group: 'gpu' }), expect: { kind: 'wait' } },
    { name: 'no worker in the group: NO_WORKER naming what there is', workers: [worker({ agentId: 'a', name: 'w1' })], request: at({ group: 'gpu' }), expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no registered worker matches group "gpu" (registered: w1 in group default)' } } },
    { name: 'no worker with the labels: NO_WORKER', workers: [worker({ agentId: 'a', labels: { zone: 'b' } })], request: at({ labels: { zone: 'a' } }), expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no registered worker matches labels zone=a (registered: a in group default)' } } },
    { name: 'a label key that is only inherited does not match', workers: [worker({ agentId: 'a' })], request: at({ labels: { constructor: '' } }), expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no registered worker matches labels constructor= (registered: a in group default)' } } },
    { name: 'matching workers that lack the tool: NO_WORKER, not UNKNOWN_TOOL', workers: [worker({ agentId: 'a', group: 'gpu', toolTypes: [] }), worker({ agentId: 'b', toolTypes: ['custom_tool'] })], request: { ...any('custom_tool', false), placement: { worker: '', group: 'gpu', labels: {} } }, expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no worker matching group "gpu" serves tool "custom_tool"' } } },
    { name: 'worker, group and labels together', workers: [worker({ agentId: 'a', name: 'w1', group: 'gpu', labels: { zone: 'a' } }), worker({ agentId: 'b', name: 'w2', group: 'gpu', labels: { zone: 'a' } })], request: at({ worker: 'w2', group: 'gpu', labels: { zone: 'a' } }), expect: { kind: 'dispatch', agentId: 'b' } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(selectWorker(c.workers, c.request), c.expect));
  }
});
