import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registrationRequest, type WorkerIdentity } from './registration-request.js';

const identity: WorkerIdentity = {
  config: { name: 'w1', group: 'gpu', labels: { zone: 'eu' }, maxConcurrentTasks: 3, maxRecvMsgSize: 64 * 1024 * 1024 },
  hostname: 'host-1',
  version: '9.9.9',
  bootId: 'boot-1',
  toolTypes: ['file_read'],
  runtimes: ['runc'],
  labels: { team: 'a' },
};

describe('registrationRequest', () => {
  it('speaks protocol version 2, advertises its receive limit, and names what it serves', () => {
    const request = registrationRequest(identity);
    assert.equal(request.protocolVersion, 2);
    assert.equal(request.maxReceiveMessageBytes, 64 * 1024 * 1024);
    assert.deepEqual([request.name, request.group, request.hostname, request.version, request.bootId], ['w1', 'gpu', 'host-1', '9.9.9', 'boot-1']);
    assert.deepEqual(request.capabilities, { toolTypes: ['file_read'], maxConcurrentTasks: 3, runtimes: ['runc'] });
    assert.equal(request.labels['zone'], 'eu');
    assert.equal(request.labels['team'], 'a');
    assert.equal(request.labels['platform.tool.file_read'], 'true');
    assert.deepEqual([request.agentId, request.resumeToken], ['', '']);
  });

  it('resumes an agent id with its token', () => {
    const request = registrationRequest(identity, { agentId: 'agent-7', token: 'secret' });
    assert.deepEqual([request.agentId, request.resumeToken], ['agent-7', 'secret']);
  });
});
