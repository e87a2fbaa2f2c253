import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { selectWorker, type DispatchRequest, type WorkerCandidate } from './select-worker.js';

const worker = (over: Partial<WorkerCandidate> & { agentId: string }): WorkerCandidate => ({
  name: over.agentId,
  toolTypes: ['file_read', 'custom_tool'],
  maxConcurrentTasks: 2,
  inFlight: 0,
  connected: true,
  accepting: true,
  ...over,
});

const any = (toolType = 'file_read', builtin = true) => ({ toolType, builtin, target: '' }) as DispatchRequest;

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
    { name: 'a worker that ran an earlier attempt comes last', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', inFlight: 1 })], request: { ...any(), avoid: new Set(['a']) }, expect: { kind: 'dispatch', agentId: 'b' } },
    { name: '... but is used when it is the only one free', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', inFlight: 2 })], request: { ...any(), avoid: new Set(['a']) }, expect: { kind: 'dispatch', agentId: 'a' } },
    { name: 'only workers that serve the tool', workers: [worker({ agentId: 'a', toolTypes: ['grep'] }), worker({ agentId: 'b', inFlight: 1 })], request: any(), expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'built-in tool nobody serves: NO_WORKER', workers: [worker({ agentId: 'a', toolTypes: ['grep'] })], request: any(), expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no worker serving tool "file_read" is connected' } } },
    { name: 'no workers at all: NO_WORKER', workers: [], request: any(), expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no worker serving tool "file_read" is connected' } } },
    { name: 'unknown tool: UNKNOWN_TOOL', workers: [worker({ agentId: 'a' })], request: any('nope', false), expect: { kind: 'fail', error: { code: 'UNKNOWN_TOOL', message: 'no worker serving tool "nope" is connected' } } },
    { name: 'target by name', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', name: 'w2', inFlight: 1 })], request: { ...any(), target: 'w2' }, expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'target by id', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', inFlight: 1 })], request: { ...any(), target: 'b' }, expect: { kind: 'dispatch', agentId: 'b' } },
    { name: 'busy target waits', workers: [worker({ agentId: 'a' }), worker({ agentId: 'b', inFlight: 2 })], request: { ...any(), target: 'b' }, expect: { kind: 'wait' } },
    { name: 'unknown target: NO_WORKER', workers: [worker({ agentId: 'a' })], request: { ...any(), target: 'zz' }, expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'no worker named or with id "zz" is registered' } } },
    { name: 'target that does not serve the tool', workers: [worker({ agentId: 'a', toolTypes: [] })], request: { ...any(), target: 'a' }, expect: { kind: 'fail', error: { code: 'NO_WORKER', message: 'worker "a" does not serve tool "file_read"' } } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(selectWorker(c.workers, c.request), c.expect));
  }
});
