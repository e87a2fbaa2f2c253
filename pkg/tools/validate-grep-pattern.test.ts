import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWorkerError } from '../errors/index.js';
import { validateGrepPattern } from './validate-grep-pattern.js';

describe('validateGrepPattern', () => {
  const accepted: readonly string[] = [
    'TODO',
    '--help',
    '-rf',
    '-e',
    '^\\s*import .* from',
    '\\bfoo\\d{2,}\\b',
    '(?:a|b)+c',
    '(?<=ab)c',
    '(?<name>x)\\k<name>',
    'a.*?b',
    '[\\]\\-\\[]',
    '[^\\]]',
    '\\\\u0041',
    '\\p{L}+',
    '\\x41\\t',
    'é+',
    '😀',
    '\t',
    'a'.repeat(4096),
  ];
  for (const pattern of accepted) {
    it(`accepts ${JSON.stringify(pattern.slice(0, 30))}`, () => {
      assert.equal(validateGrepPattern(pattern), pattern);
    });
  }

  const invalidPatterns: ReadonlyArray<readonly [string, RegExp]> = [
    ['(', /Unterminated group/],
    [')', /Unmatched '\)'/],
    ['[a-', /Unterminated character class/],
    ['*a', /Nothing to repeat/],
    ['a{2,1}', /numbers out of order/],
    ['\\', /\\ at end of pattern/],
    ['a]', /Lone quantifier brackets/],
    ['{', /Lone quantifier brackets/],
    ['\\q', /Invalid escape/],
    ['(?i)abc', /Invalid group/],
    ['a++', /Nothing to repeat/],
    ['[[:alpha:]]', /Lone quantifier brackets/],
    ['\\u0041', /\\u escape/],
    ['\\u{1F600}', /\\u escape/],
    ['[\\u0041]', /\\u escape/],
    ['[]', /empty character class/],
    ['a[^]b', /empty character class/],
    ['a\nb', /single line/],
    ['a\rb', /single line/],
  ];
  for (const [pattern, reason] of invalidPatterns) {
    it(`refuses ${JSON.stringify(pattern)} with INVALID_PATTERN`, () => {
      assert.throws(
        () => validateGrepPattern(pattern),
        (error: unknown) => isWorkerError(error) && error.code === 'INVALID_PATTERN' && reason.test(error.message),
      );
    });
  }

  const invalidParams: readonly unknown[] = ['', 'a\0b', 'a'.repeat(4097), '\uD800', 7, undefined];
  for (const pattern of invalidParams) {
    it(`refuses ${typeof pattern === 'string' ? JSON.stringify(pattern.slice(0, 10)) : String(pattern)} with INVALID_PARAMS`, () => {
      assert.throws(
        () => validateGrepPattern(pattern),
        (error: unknown) => isWorkerError(error) && error.code === 'INVALID_PARAMS',
      );
    });
  }

  it('reports the reason without echoing a long pattern', () => {
    const pattern = `${'a'.repeat(3000)}(`;
    assert.throws(
      () => validateGrepPattern(pattern),
      (error: unknown) => isWorkerError(error) && error.message === 'pattern is not a valid regular expression: Unterminated group',
    );
  });
});
