import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError, Status } from 'nice-grpc-common';
import { describeRpcError } from './describe-rpc-error.js';

describe('describeRpcError', () => {
  it('maps RESOURCE_EXHAUSTED to MESSAGE_TOO_LARGE', () => {
    const error = new ClientError('/agent.v1.TaskService/RunTask', Status.RESOURCE_EXHAUSTED, 'Received message larger than max');
    assert.equal(describeRpcError(error, 'unix:///x'), 'error MESSAGE_TOO_LARGE: Received message larger than max\n');
  });
  it('explains an unreachable orchestrator, naming the address', () => {
    const error = new ClientError('/p', Status.UNAVAILABLE, 'No connection established');
    assert.match(describeRpcError(error, 'unix:///x.sock'), /^error: cannot reach the orchestrator at unix:\/\/\/x\.sock/);
  });
  it('names other statuses', () => {
    assert.match(describeRpcError(new ClientError('/p', Status.INTERNAL, 'boom'), 'a:1'), /answered INTERNAL: boom/);
    assert.match(describeRpcError(new DOMException('late', 'TimeoutError'), 'a:1'), /did not answer in time/);
  });
});
