import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerInfo } from '../gen/agent/v1/agent.js';
import { formatWorkersTable, toWorkerJson } from './format-workers.js';

const info = WorkerInfo.fromPartial({
  agentId: 'id-1',
  name: 'alpha',
  hostname: 'h',
  version: '1',
  capabilities: { toolTypes: ['file_read', 'grep'], maxConcurrentTasks: 4, runtimes: ['runc'] },
  activeTaskIds: ['t1'],
  lastHeartbeatMs: 5,
  connected: true,
  healthy: true,
});

describe('formatWorkersTable', () => {
  it('aligns name, id, tools, slots, active tasks, status, connected', () => {
    const other = WorkerInfo.fromPartial({ agentId: 'id-22', name: 'b', capabilities: { toolTypes: [], maxConcurrentTasks: 1 }, draining: true });
    const third = WorkerInfo.fromPartial({ agentId: 'id-3', name: 'c', healthy: false, healthDetail: 'engine down' });
    assert.equal(
      formatWorkersTable([info, other, third]),
      [
        'NAME   ID     TOOLS           SLOTS  ACTIVE  STATUS              CONNECTED',
        'alpha  id-1   file_read,grep  4      1       ok                  yes',
        'b      id-22  -               1      0       draining,unhealthy  no',
        'c      id-3   -               0      0       unhealthy           no',
        '',
      ].join('\n'),
    );
  });
  it('says when there are none', () => assert.equal(formatWorkersTable([]), 'no workers registered\n'));
});

describe('toWorkerJson', () => {
  it('flattens capabilities', () => {
    assert.deepEqual(toWorkerJson(info), {
      agentId: 'id-1',
      name: 'alpha',
      hostname: 'h',
      version: '1',
      toolTypes: ['file_read', 'grep'],
      maxConcurrentTasks: 4,
      runtimes: ['runc'],
      activeTaskIds: ['t1'],
      lastHeartbeatMs: 5,
      labels: {},
      connected: true,
      draining: false,
      healthy: true,
      healthDetail: '',
    });
  });
});
