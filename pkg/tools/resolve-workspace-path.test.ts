import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWorkerError } from '../errors/index.js';
import { resolveWorkspacePath } from './resolve-workspace-path.js';

describe('resolveWorkspacePath', () => {
  const accepted: ReadonlyArray<readonly [string, string]> = [
    ['', '/workspace'],
    ['.', '/workspace'],
    ['./', '/workspace'],
    ['/workspace', '/workspace'],
    ['/workspace/', '/workspace'],
    ['/workspace/.', '/workspace'],
    ['a.txt', '/workspace/a.txt'],
    ['./a.txt', '/workspace/a.txt'],
    ['dir/sub/file', '/workspace/dir/sub/file'],
    ['dir//sub///file/', '/workspace/dir/sub/file'],
    ['dir/../file', '/workspace/file'],
    ['dir/./sub/..', '/workspace/dir'],
    ['/workspace/dir/../a', '/workspace/a'],
    ['//workspace//a', '/workspace/a'],
    ['/./workspace/a', '/workspace/a'],
    ['-rf', '/workspace/-rf'],
    ['--help', '/workspace/--help'],
    ['-', '/workspace/-'],
    ['...', '/workspace/...'],
    ['..a', '/workspace/..a'],
    ['a..', '/workspace/a..'],
    ['workspace', '/workspace/workspace'],
    ['~', '/workspace/~'],
    ['~root/.ssh', '/workspace/~root/.ssh'],
    ['$HOME', '/workspace/$HOME'],
    ['a b;c|d&e`f`$(g)', '/workspace/a b;c|d&e`f`$(g)'],
    ['back\\slash', '/workspace/back\\slash'],
    ['..\\..\\etc', '/workspace/..\\..\\etc'],
    ['ünïcødé/文件', '/workspace/ünïcødé/文件'],
    ['emoji-😀', '/workspace/emoji-😀'],
    ['a'.repeat(4000), `/workspace/${'a'.repeat(4000)}`],
  ];
  for (const [input, expected] of accepted) {
    it(`accepts ${JSON.stringify(input.slice(0, 40))}`, () => {
      const resolved = resolveWorkspacePath(input);
      assert.equal(resolved, expected);
      assert.ok(resolved === '/workspace' || resolved.startsWith('/workspace/'));
    });
  }

  const escapes: readonly string[] = [
    '..',
    '../',
    '../etc/passwd',
    '../../../../etc/passwd',
    'a/../..',
    'a/../../workspace/b',
    './..',
    'dir/sub/../../../x',
    '/',
    '//',
    '/etc/passwd',
    '/etc',
    '/root/.ssh/id_rsa',
    '/proc/self/environ',
    '/var/run/docker.sock',
    '/workspace/..',
    '/workspace/../etc',
    '/workspace/../workspace/a',
    '/workspace/a/../../etc',
    '/workspacex',
    '/workspacex/a',
    '/workspace-other/a',
    '/Workspace/a',
    '/tmp/../workspace',
    '/./../workspace',
    '/../workspace',
    '/..',
  ];
  for (const input of escapes) {
    it(`refuses the escape ${JSON.stringify(input)} with PATH_ESCAPE`, () => {
      assert.throws(
        () => resolveWorkspacePath(input),
        (error: unknown) => isWorkerError(error) && error.code === 'PATH_ESCAPE',
      );
    });
  }

  const invalid: readonly string[] = [
    'a\0b',
    '\0',
    'file.txt\0.png',
    '/workspace/a\0',
    'a\nb',
    'a\rb',
    'a\tb',
    '\u001b[31mred',
    'a\u007fb',
    'a\u0085b',
    'a\u009bb',
    'lone-\uD800-surrogate',
    'a'.repeat(4097),
    'é'.repeat(2049),
    '../\0',
  ];
  for (const input of invalid) {
    it(`refuses ${JSON.stringify(input.slice(0, 20))} with INVALID_PARAMS`, () => {
      assert.throws(
        () => resolveWorkspacePath(input),
        (error: unknown) => isWorkerError(error) && error.code === 'INVALID_PARAMS',
      );
    });
  }

  it('refuses a non-string at run time', () => {
    assert.throws(
      () => resolveWorkspacePath(42 as unknown as string),
      (error: unknown) => isWorkerError(error) && error.code === 'INVALID_PARAMS',
    );
  });

  it('names the field in its messages', () => {
    assert.throws(() => resolveWorkspacePath('../x', 'target'), /^WorkerError: target "..\/x" is outside \/workspace$/);
    assert.throws(() => resolveWorkspacePath('a\0', 'target'), /target must not contain a NUL byte/);
  });

  it('escapes control characters it quotes', () => {
    assert.throws(
      () => resolveWorkspacePath('/etc/\u001b[2J'),
      (error: unknown) => isWorkerError(error) && !error.message.includes('\u001b') && error.message.includes('\\u001b'),
    );
  });
});
