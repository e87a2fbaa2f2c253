// Property tests of the pure validators that stand between hostile task parameters and a
// container's argv. Fixed seed (FUZZ_SEED to try another), as in test/security/fuzz.test.ts.
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isWorkerError } from '../errors/index.js';
import { parseHttpUrl } from './parse-http-url.js';
import { quoteValue } from '../errors/quote-value.js';
import { resolveFileTarget } from './resolve-file-target.js';
import { MAX_PATH_BYTES, resolveWorkspacePath } from './resolve-workspace-path.js';
import { MAX_PATTERN_BYTES, validateGrepPattern } from './validate-grep-pattern.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240604);
const RUNS = 3000;
const options = { seed: SEED, numRuns: RUNS };

/** Runs `f`; returns its value, or the code of the WorkerError it threw (anything else fails). */
function outcome<T>(f: () => T): { value: T } | { code: string } {
  try {
    return { value: f() };
  } catch (error) {
    assert.ok(isWorkerError(error), `only typed errors, got ${String(error)}`);
    assert.ok(error.message.length > 0);
    return { code: error.code };
  }
}

const SEGMENTS = ['..', '.', '', 'workspace', 'a', 'b', 'etc', 'passwd', '-rf', '..a', 'a..', '...', ' ', '\0', '\n', 'é', '\ud800', '%2e%2e', '\\..'];
const pathLike = fc.oneof(
  fc.tuple(fc.boolean(), fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 10 })).map(([abs, parts]) => (abs ? '/' : '') + parts.join('/')),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
  fc.integer({ min: 4000, max: 4200 }).map((n) => 'a/'.repeat(n / 2)),
);

/** The model: resolve segment by segment from /workspace; undefined when any prefix leaves it. */
function modelResolve(path: string): string | undefined {
  const parts: string[] = path.startsWith('/') ? [] : ['workspace'];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') parts.pop();
    else parts.push(segment);
    if (parts[0] !== 'workspace') return undefined;
  }
  return parts.length === 0 ? undefined : `/${parts.join('/')}`;
}

describe(`tool validators, property-based (seed ${SEED})`, () => {
  it('resolveWorkspacePath never returns a path outside /workspace, and agrees with a segment-by-segment model', () => {
    fc.assert(
      fc.property(pathLike, (path) => {
        const got = outcome(() => resolveWorkspacePath(path));
        if ('code' in got) {
          assert.ok(['PATH_ESCAPE', 'INVALID_PARAMS'].includes(got.code), got.code);
          return;
        }
        const resolved = got.value;
        assert.ok(resolved === '/workspace' || resolved.startsWith('/workspace/'), resolved);
        assert.equal(posix.normalize(resolved), resolved, 'normalized: no ., .., // or trailing /');
        assert.equal(posix.resolve('/workspace', path), resolved, 'what a file system would make of it');
        assert.equal(modelResolve(path), resolved);
        assert.ok(!/[\p{Cc}]/u.test(resolved), 'no control characters');
        assert.ok(Buffer.byteLength(path) <= MAX_PATH_BYTES);
      }),
      options,
    );
  });

  it('resolveWorkspacePath refuses exactly the paths that leave /workspace at some point (PATH_ESCAPE)', () => {
    const clean = fc
      .tuple(fc.boolean(), fc.array(fc.constantFrom('..', '.', '', 'workspace', 'a', 'b'), { maxLength: 10 }))
      .map(([abs, parts]) => (abs ? '/' : '') + parts.join('/'));
    fc.assert(
      fc.property(clean, (path) => {
        const got = outcome(() => resolveWorkspacePath(path));
        const expected = modelResolve(path);
        if (expected === undefined) assert.deepEqual(got, { code: 'PATH_ESCAPE' }, path);
        else assert.deepEqual(got, { value: expected }, path);
      }),
      options,
    );
  });

  it('resolveFileTarget never names /workspace itself', () => {
    fc.assert(
      fc.property(pathLike, (path) => {
        const got = outcome(() => resolveFileTarget(path));
        if ('value' in got) assert.ok(got.value.startsWith('/workspace/'), got.value);
      }),
      options,
    );
  });

  it('parseHttpUrl accepts only http(s) URLs with a host, no credentials, no white space or control characters', () => {
    const url = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.webUrl().map((u) => u.replace('://', '://user:pw@')),
      fc.tuple(fc.constantFrom('http://', 'https://', 'HTTP://', 'file://', 'javascript:', 'ftp://', 'data:', '//', 'http:', 'http:/', ''), fc.string({ unit: 'binary', maxLength: 30 })).map(([a, b]) => a + b),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(url, (raw) => {
        const got = outcome(() => parseHttpUrl(raw));
        if ('code' in got) {
          assert.equal(got.code, 'INVALID_URL');
          return;
        }
        const parsed = got.value;
        assert.ok(['http:', 'https:'].includes(parsed.protocol), parsed.protocol);
        assert.notEqual(parsed.hostname, '');
        assert.equal(parsed.username, '');
        assert.equal(parsed.password, '');
        assert.ok(!/[\p{Cc}\p{Z}]/u.test(raw), 'no white space or control characters in what was accepted');
      }),
      options,
    );
  });

  it('validateGrepPattern returns the pattern unchanged or refuses it typed; what passes is one line that compiles', () => {
    const pattern = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.array(fc.constantFrom('(', ')', '[', ']', '^', '\\', 'u', 'a', '+', '*', '?', '{', '}', '1', ',', '|', '-', '\n', '\0', '.'), { maxLength: 12 }).map((parts) => parts.join('')),
      fc.integer({ min: MAX_PATTERN_BYTES - 2, max: MAX_PATTERN_BYTES + 2 }).map((n) => 'a'.repeat(n)),
    );
    fc.assert(
      fc.property(pattern, (text) => {
        const got = outcome(() => validateGrepPattern(text));
        if ('code' in got) {
          assert.ok(['INVALID_PATTERN', 'INVALID_PARAMS'].includes(got.code), got.code);
          return;
        }
        assert.equal(got.value, text);
        assert.ok(text !== '' && !/[\n\r\0]/.test(text));
        assert.ok(Buffer.byteLength(text) <= MAX_PATTERN_BYTES);
        assert.doesNotThrow(() => new RegExp(text, 'u'));
      }),
      options,
    );
  });

  it('quoteValue keeps a hostile value short and on one line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 500 }), fc.anything()), (value) => {
        const quoted = quoteValue(value);
        assert.ok(quoted.length <= 80 * 6 + 3, `${quoted.length} chars`);
        assert.ok(!/[\n\r\0]/.test(quoted));
      }),
      options,
    );
  });
});
