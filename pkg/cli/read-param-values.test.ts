import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readParamValues } from './read-param-values.js';
import { UsageError } from './usage-error.js';

describe('readParamValues', () => {
  it('reads @FILE values as bytes and keeps text', async () => {
    const values = await readParamValues(
      { path: { kind: 'text', text: 'a' }, content: { kind: 'file', path: 'f.bin' } },
      async (path) => (path === 'f.bin' ? new Uint8Array([0, 1, 2]) : assert.fail(path)),
    );
    assert.deepEqual({ ...values }, { path: 'a', content: new Uint8Array([0, 1, 2]) });
  });
  it('turns an unreadable file into a usage error naming it', async () => {
    await assert.rejects(
      readParamValues({ content: { kind: 'file', path: 'missing' } }, async () => {
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      }),
      (error: unknown) => error instanceof UsageError && /content=@missing.*ENOENT/.test(error.message),
    );
  });
});
