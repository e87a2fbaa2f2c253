import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWorkerError } from '../errors/index.js';
import { DEFAULT_MAX_WRITE_BYTES, GUARD_WRITE_LIMIT_EXIT, WRITE_LIMIT_ENV } from './confine.js';
import { createFileEditTool } from './file-edit-tool.js';
import { createFileWriteTool } from './file-write-tool.js';
import type { BuiltinToolOptions } from './builtin-tool-options.js';

const options = (maxWriteBytes?: number): BuiltinToolOptions => ({
  image: 'img',
  searchUrlTemplate: 'http://s/?q={query}',
  maxFetchBytes: 1000,
  webNetwork: 'bridge',
  overrides: {},
  ...(maxWriteBytes === undefined ? {} : { maxWriteBytes }),
});

const write = (content: Buffer) => ({ $case: 'fileWrite' as const, fileWrite: { path: 'a.txt', content } });

describe('the write cap of the built-in file tools', () => {
  it('file_write refuses content past the cap before any container, WRITE_LIMIT naming the option', () => {
    const tool = createFileWriteTool(options(8));
    assert.throws(
      () => tool.buildInvocation(write(Buffer.alloc(9))),
      (error: unknown) => isWorkerError(error) && error.code === 'WRITE_LIMIT' && /9 bytes.*at most 8 \(--max-write-bytes\)/.test(error.message),
    );
  });

  it('file_write up to the cap runs, and hands the guard the cap too', () => {
    const invocation = createFileWriteTool(options(8)).buildInvocation(write(Buffer.alloc(8)));
    assert.deepEqual(invocation.env, { [WRITE_LIMIT_ENV]: '8' });
    assert.equal(invocation.stdin?.length, 8);
  });

  it('file_edit hands the guard the cap (the edited size is only known in the container)', () => {
    const invocation = createFileEditTool(options(100)).buildInvocation({ $case: 'fileEdit', fileEdit: { path: 'a.txt', search: 'a', replace: 'bb' } });
    assert.deepEqual(invocation.env, { [WRITE_LIMIT_ENV]: '100' });
  });

  it(`caps at ${DEFAULT_MAX_WRITE_BYTES} bytes when the options name no cap, and maps the guard's exit to WRITE_LIMIT`, () => {
    for (const tool of [createFileWriteTool(options()), createFileEditTool(options())]) {
      assert.equal(tool.writeLimitExitCode, GUARD_WRITE_LIMIT_EXIT);
    }
    assert.deepEqual(createFileWriteTool(options()).buildInvocation(write(Buffer.alloc(1))).env, { [WRITE_LIMIT_ENV]: String(DEFAULT_MAX_WRITE_BYTES) });
  });
});
