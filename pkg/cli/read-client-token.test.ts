import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readClientToken } from './read-client-token.js';
import { UsageError } from './usage-error.js';

const TOKEN = 'client-token-0123456789';
const files: Record<string, string> = { '/t/good': `${TOKEN}\n`, '/t/crlf': `${TOKEN}\r\n`, '/t/short': 'abc\n', '/t/two': `${TOKEN}\nmore\n` };
const readFile = async (path: string): Promise<Uint8Array> => {
  const content = files[path];
  if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return Buffer.from(content);
};

describe('readClientToken', () => {
  it('reads a file without its final line break, or $BAAAHT_TOKEN; none: undefined', async () => {
    assert.equal(await readClientToken({ kind: 'file', path: '/t/good' }, {}, readFile), TOKEN);
    assert.equal(await readClientToken({ kind: 'file', path: '/t/crlf' }, {}, readFile), TOKEN);
    assert.equal(await readClientToken({ kind: 'env', variable: 'BAAAHT_TOKEN' }, { BAAAHT_TOKEN: TOKEN }, readFile), TOKEN);
    assert.equal(await readClientToken({ kind: 'none' }, { BAAAHT_TOKEN: TOKEN }, readFile), undefined);
  });

  it('refuses an unreadable file, a short token and more than one line, naming where it came from', async () => {
    for (const [path, message] of [['/t/none', /--token-file \/t\/none cannot be read \(ENOENT\)/], ['/t/short', /at least 16/], ['/t/two', /one line/]] as const) {
      await assert.rejects(readClientToken({ kind: 'file', path }, {}, readFile), (e: unknown) => e instanceof UsageError && message.test(e.message));
    }
  });
});
