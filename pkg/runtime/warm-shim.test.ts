import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeShimHeader } from './warm-shim.js';

const SHIM = fileURLToPath(new URL('../../images/tools/baaaht-run', import.meta.url));
const PERL = ['/usr/bin/perl', '/bin/perl'].find((path) => existsSync(path));

describe('encodeShimHeader', () => {
  it('writes the length, then NUL-terminated argc, argv and KEY=VALUE entries', () => {
    const header = encodeShimHeader(['grep', '-e', 'a b'], { LANG: 'C.UTF-8', EMPTY: '' });
    const body = '3\0grep\0-e\0a b\0LANG=C.UTF-8\0EMPTY=\0';
    assert.equal(header?.toString('utf8'), `${Buffer.byteLength(body)}\n${body}`);
  });

  it('counts bytes, not characters', () => {
    const header = encodeShimHeader(['echo', 'é']);
    assert.equal(header?.toString('utf8'), `10\n2\0echo\0é\0`);
  });

  const refused: Array<[string, string[], Record<string, string>]> = [
    ['an empty argv', [], {}],
    ['a NUL in an argument', ['echo', 'a\0b'], {}],
    ['a NUL in a value', ['echo'], { A: 'x\0' }],
    ['an empty name', ['echo'], { '': 'x' }],
    ['a name with =', ['echo'], { 'A=B': 'x' }],
  ];
  for (const [what, argv, env] of refused) {
    it(`refuses ${what} (the task runs cold)`, () => assert.equal(encodeShimHeader(argv, env), undefined));
  }
});

describe('baaaht-run (the shim, run by the host perl)', { skip: PERL === undefined ? 'no perl on this host' : false }, () => {
  const shim = (input: Buffer) => spawnSync(PERL!, [SHIM], { input, env: { PATH: '/usr/bin:/bin', KEEP: 'kept' } });

  it('execs argv with the environment and passes the rest of stdin through byte for byte', () => {
    const stdin = Buffer.from([0, 10, 255, 13, 0, 65]);
    const header = encodeShimHeader(['sh', '-c', 'echo "$KEEP $EXTRA $0"; od -An -tx1 | tr -d " \\n"', 'zero'], { EXTRA: 'a=b' })!;
    const result = shim(Buffer.concat([header, stdin]));
    assert.equal(result.status, 0, result.stderr.toString());
    assert.equal(result.stdout.toString(), `kept a=b zero\n${stdin.toString('hex')}`);
  });

  it('exits 0 silently when stdin closes before any header (an unused container being removed)', () => {
    const result = shim(Buffer.alloc(0));
    assert.equal(result.status, 0);
    assert.equal(result.stderr.length, 0);
  });

  it('exits 125 on a malformed header, 127 when the program does not exist', () => {
    assert.equal(shim(Buffer.from('x\n')).status, 125);
    assert.equal(shim(Buffer.from('5\n1\0ab')).status, 125);
    const missing = shim(encodeShimHeader(['/nonexistent/program'])!);
    assert.equal(missing.status, 127);
    assert.match(missing.stderr.toString(), /baaaht-run: cannot execute \/nonexistent\/program/);
  });

  it('passes the exit code of the program through', () => {
    assert.equal(shim(encodeShimHeader(['sh', '-c', 'exit 42'])!).status, 42);
  });
});
