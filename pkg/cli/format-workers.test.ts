import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerInfo } from '../gen/agent/v1/agent.js';
import { formatOwnLabels, formatPlatform, formatWorkersTable, toWorkerJson } from './format-workers.js';

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
  it('aligns name, group, id, tools, slots, active tasks, status, connected, platform and own labels', () => {
    const other = WorkerInfo.fromPartial({
      agentId: 'id-22',
      name: 'b',
      group: 'gpu',
      capabilities: { toolTypes: [], maxConcurrentTasks: 1 },
      draining: true,
      labels: { zone: 'a', disk: 'ssd', 'platform.os': 'linux', 'platform.arch': 'arm64', 'platform.runtime.runsc': 'true', 'platform.runtime.runc': 'true', 'platform.tool.grep': 'true' },
    });
    const third = WorkerInfo.fromPartial({ agentId: 'id-3', name: 'c', group: 'default', healthy: false, healthDetail: 'engine down' });
    assert.equal(
      formatWorkersTable([info, other, third]),
      [
        'NAME   GROUP    ID     TOOLS           SLOTS  ACTIVE  STATUS              CONNECTED  PLATFORM                LABELS',
        'alpha  default  id-1   file_read,grep  4      1       ok                  yes        -                       -',
        'b      gpu      id-22  -               1      0       draining,unhealthy  no         linux/arm64 runc,runsc  disk=ssd,zone=a',
        'c      default  id-3   -               0      0       unhealthy           no         -                       -',
        '',
      ].join('\n'),
    );
  });
  it('summarizes platform labels and lists own ones', () => {
    assert.equal(formatPlatform({ 'platform.os': 'linux' }), 'linux/?');
    assert.equal(formatPlatform({ 'platform.runtime.runc': 'true', 'platform.runtime.kata': 'false' }), 'runc');
    assert.equal(formatPlatform({ zone: 'a' }), '-');
    assert.equal(formatOwnLabels({ 'platform.os': 'linux', b: '2', a: '' }), 'a=,b=2');
    assert.equal(formatOwnLabels({}), '-');
  });
  it('says when there are none', () => assert.equal(formatWorkersTable([]), 'no workers registered\n'));
});

describe('toWorkerJson', () => {
  it('flattens capabilities', () => {
    assert.deepEqual(toWorkerJson(info), {
      agentId: 'id-1',
      name: 'alpha',
      group: '',
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
