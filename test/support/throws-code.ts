// Asserts that a call throws a WorkerError with the given stable code (and message, if given).
import assert from 'node:assert/strict';
import { isWorkerError, type ErrorCode } from '../../pkg/errors/index.js';

export function throwsCode(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isWorkerError(error), `expected a WorkerError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}
