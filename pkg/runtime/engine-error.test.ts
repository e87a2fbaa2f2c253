import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkerError, type ErrorCode } from '../errors/index.js';
import { toEngineError } from './engine-error.js';

function engineError(statusCode: number, message: string): Error & { statusCode: number; json: { message: string } } {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });
}

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
}

describe('toEngineError', () => {
  it('maps 404 "no such image" on create to IMAGE_MISSING naming the image and make images', () => {
    const cause = engineError(404, 'No such image: baaaht/tools:0.1.0');
    const error = toEngineError('create', 'baaaht/tools:0.1.0', cause);
    assert.ok(error instanceof WorkerError);
    assert.equal(error.code, 'IMAGE_MISSING');
    assert.match(error.message, /baaaht\/tools:0\.1\.0/);
    assert.match(error.message, /make images/);
    assert.equal(error.cause, cause);
  });

  it('does not call a 404 on another operation a missing image', () => {
    const error = toEngineError('start', 'img', engineError(404, 'No such image: img'));
    assert.equal(error.code, 'CONTAINER_FAILED');
  });

  it('does not call a 404 for something else on create a missing image', () => {
    const error = toEngineError('create', 'img', engineError(404, 'network baaaht-web not found'));
    assert.equal(error.code, 'CONTAINER_FAILED');
    assert.match(error.message, /network baaaht-web not found/);
  });

  const unavailable: Array<{ name: string; error: unknown }> = [
    { name: 'ECONNREFUSED', error: systemError('ECONNREFUSED') },
    { name: 'ENOENT (no socket)', error: systemError('ENOENT') },
    { name: 'EACCES', error: systemError('EACCES') },
    { name: 'ECONNRESET', error: systemError('ECONNRESET') },
    { name: 'EPIPE', error: systemError('EPIPE') },
    { name: 'a timeout', error: new DOMException('The operation was aborted due to timeout', 'TimeoutError') },
    { name: 'an abort', error: new DOMException('This operation was aborted', 'AbortError') },
  ];
  for (const c of unavailable) {
    it(`maps ${c.name} to ENGINE_UNAVAILABLE`, () => {
      const error = toEngineError('create', 'img', c.error);
      assert.equal(error.code, 'ENGINE_UNAVAILABLE');
      assert.match(error.message, /\(create\)/);
      assert.equal(error.cause, c.error);
    });
  }

  const other: Array<{ name: string; error: unknown; message: RegExp }> = [
    { name: 'a 409 conflict', error: engineError(409, 'conflict'), message: /refused start: conflict/ },
    { name: 'a 500', error: engineError(500, 'runtime "runsc" not found'), message: /runsc/ },
    { name: 'a plain Error', error: new Error('odd'), message: /odd/ },
    { name: 'a string', error: 'weird', message: /weird/ },
  ];
  for (const c of other) {
    it(`maps ${c.name} to CONTAINER_FAILED`, () => {
      const error = toEngineError('start', 'img', c.error);
      assert.equal(error.code, 'CONTAINER_FAILED' satisfies ErrorCode);
      assert.match(error.message, c.message);
    });
  }

  it('prefers the engine JSON message over the HTTP wrapper message', () => {
    const error = toEngineError('start', 'img', engineError(500, 'the real reason'));
    assert.equal(error.message, 'Docker engine refused start: the real reason');
  });

  it('passes a WorkerError through unchanged', () => {
    const original = new WorkerError('TOOL_TIMEOUT', 'slow');
    assert.equal(toEngineError('create', 'img', original), original);
  });
});
