import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paramsFromStrings } from './params-from-strings.js';
import { throwsCode } from '../../test/support/throws-code.js';


describe('paramsFromStrings', () => {
  it('builds every built-in case from its snake_case keys', () => {
    assert.deepEqual(paramsFromStrings('file_read', { path: 'a.txt' }), { $case: 'fileRead', fileRead: { path: 'a.txt' } });
    assert.deepEqual(paramsFromStrings('file_write', { path: 'a', content: 'héllo' }), {
      $case: 'fileWrite',
      fileWrite: { path: 'a', content: Buffer.from('héllo', 'utf8') },
    });
    assert.deepEqual(paramsFromStrings('file_edit', { path: 'a', search: 's', replace: 'r' }), {
      $case: 'fileEdit',
      fileEdit: { path: 'a', search: 's', replace: 'r' },
    });
    assert.deepEqual(paramsFromStrings('grep', { pattern: 'x', path: 'src', recursive: 'true', ignore_case: 'false' }), {
      $case: 'grep',
      grep: { pattern: 'x', path: 'src', recursive: true, ignoreCase: false },
    });
    assert.deepEqual(paramsFromStrings('find', { path: '.', name: '*.ts', type: 'f' }), {
      $case: 'find',
      find: { path: '.', name: '*.ts', type: 'f' },
    });
    assert.deepEqual(paramsFromStrings('list', { path: 'src' }), { $case: 'list', list: { path: 'src' } });
    assert.deepEqual(paramsFromStrings('fetch_url', { url: 'https://example.com/' }), {
      $case: 'fetchUrl',
      fetchUrl: { url: 'https://example.com/' },
    });
    assert.deepEqual(paramsFromStrings('web_search', { query: 'q' }), { $case: 'webSearch', webSearch: { query: 'q' } });
  });

  it('gives missing keys the proto defaults', () => {
    assert.deepEqual(paramsFromStrings('grep', {}), {
      $case: 'grep',
      grep: { pattern: '', path: '', recursive: false, ignoreCase: false },
    });
    assert.deepEqual(paramsFromStrings('file_write', { path: 'a' }), {
      $case: 'fileWrite',
      fileWrite: { path: 'a', content: Buffer.alloc(0) },
    });
  });

  it('takes content as bytes, untouched', () => {
    const bytes = new Uint8Array([0, 0xff, 0xfe, 10]);
    const params = paramsFromStrings('file_write', { path: 'a', content: bytes });
    assert.ok(params.$case === 'fileWrite');
    assert.ok(Buffer.isBuffer(params.fileWrite.content));
    assert.deepEqual([...params.fileWrite.content], [0, 0xff, 0xfe, 10]);
  });

  it('decodes other bytes as UTF-8 and refuses invalid UTF-8', () => {
    const params = paramsFromStrings('file_edit', { path: 'a', search: Buffer.from('é', 'utf8'), replace: '' });
    assert.ok(params.$case === 'fileEdit');
    assert.equal(params.fileEdit.search, 'é');
    throwsCode(() => paramsFromStrings('file_read', { path: new Uint8Array([0xff]) }), 'INVALID_PARAMS', /"path" is not valid UTF-8/);
  });

  it('accepts only true and false for booleans', () => {
    for (const word of ['1', 'yes', 'TRUE', 'True', '', ' true', 'on']) {
      throwsCode(() => paramsFromStrings('grep', { pattern: 'x', recursive: word }), 'INVALID_PARAMS', /"recursive" must be true or false/);
    }
    const params = paramsFromStrings('grep', { pattern: 'x', ignore_case: Buffer.from('true') });
    assert.ok(params.$case === 'grep');
    assert.equal(params.grep.ignoreCase, true);
  });

  it('refuses unknown keys, naming the key and the allowed ones', () => {
    throwsCode(() => paramsFromStrings('file_read', { file: 'a' }), 'INVALID_PARAMS', /unknown parameter "file" for file_read; allowed: path$/);
    throwsCode(
      () => paramsFromStrings('grep', { pattern: 'x', ignoreCase: 'true' }),
      'INVALID_PARAMS',
      /unknown parameter "ignoreCase" for grep; allowed: pattern, path, recursive, ignore_case$/,
    );
    throwsCode(() => paramsFromStrings('list', JSON.parse('{"__proto__": "x"}') as Record<string, string>), 'INVALID_PARAMS', /"__proto__"/);
    throwsCode(() => paramsFromStrings('fetch_url', { url: 'x', content: 'y' }), 'INVALID_PARAMS', /allowed: url$/);
  });

  it('builds custom params for any other tool, bytes decoded as UTF-8', () => {
    assert.deepEqual(paramsFromStrings('word-count', { file: 'a', data: Buffer.from('ünï') }), {
      $case: 'custom',
      custom: { values: { file: 'a', data: 'ünï' } },
    });
    assert.deepEqual(paramsFromStrings('word-count', {}), { $case: 'custom', custom: { values: {} } });
    throwsCode(() => paramsFromStrings('word-count', { x: new Uint8Array([0xc3]) }), 'INVALID_PARAMS', /UTF-8/);
  });

  it('keeps a __proto__ key of a custom tool as an ordinary value', () => {
    const params = paramsFromStrings('x', JSON.parse('{"__proto__": "v"}') as Record<string, string>);
    assert.ok(params.$case === 'custom');
    assert.deepEqual(Object.keys(params.custom.values), ['__proto__']);
    assert.equal(Object.getPrototypeOf(params.custom.values), Object.prototype);
  });
});
