import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerError, Status } from 'nice-grpc-common';
import { WorkerError } from '../errors/index.js';
import { boundStatusDetails, MAX_STATUS_DETAILS, toServerError } from './error-middleware.js';

describe('boundStatusDetails', () => {
  it('keeps a short message as it is', () => {
    const error = new ServerError(Status.NOT_FOUND, 'x'.repeat(MAX_STATUS_DETAILS));
    assert.equal(boundStatusDetails(error), error);
  });

  it('cuts a message that quotes megabytes of input, keeping the status', () => {
    const cut = boundStatusDetails(new ServerError(Status.NOT_FOUND, `unknown agent id "${'a'.repeat(3 * 1024 * 1024)}"`));
    assert.equal(cut.code, Status.NOT_FOUND);
    assert.ok(cut.details.length < MAX_STATUS_DETAILS + 50, `${cut.details.length} chars`);
    assert.match(cut.details, /^unknown agent id "a+… \(cut from 3145747 characters\)$/);
  });

  it('never leaves half a surrogate pair at the cut', () => {
    const cut = boundStatusDetails(new ServerError(Status.INVALID_ARGUMENT, `${'x'.repeat(MAX_STATUS_DETAILS - 1)}${'💩'.repeat(10)}`));
    assert.doesNotMatch(cut.details, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('applies to typed errors mapped by toServerError', () => {
    const mapped = toServerError(new WorkerError('INVALID_PARAMS', 'y'.repeat(100_000)));
    assert.equal(mapped.code, Status.INVALID_ARGUMENT);
    assert.ok(mapped.details.startsWith('INVALID_PARAMS: yyy'));
    assert.ok(mapped.details.length < MAX_STATUS_DETAILS + 50);
  });
});
