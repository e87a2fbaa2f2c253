import { WorkerError } from '../errors/index.js';
import { validateTextField } from './validate-text-field.js';

export const MAX_PATTERN_BYTES = 4096;

/**
 * Validates a grep pattern before any container exists; grep runs it as a Perl-compatible
 * regular expression (`grep -P`, PCRE2).
 *
 * What passes: a non-empty, single-line pattern (grep would split a newline into two patterns) of
 * at most 4096 bytes that JavaScript compiles in unicode mode (`new RegExp(pattern, 'u')`, the
 * strict grammar: no stray `]`, `{` or unknown escapes), and that uses none of the JS-only forms
 * PCRE2 reads differently: `\u` escapes and the empty classes `[]` and `[^]`.
 *
 * What stays different: a few JS-valid patterns are still refused by PCRE2 when grep starts (it
 * exits 2 with its reason on stderr), e.g. variable-length lookbehind and long Unicode property
 * names (`\p{Letter}`); grep matches line by line in the C locale, so `.` matches one byte of a
 * multi-byte character and -i folds ASCII letters only.
 */
export function validateGrepPattern(pattern: unknown, field = 'pattern'): string {
  const text = validateTextField(pattern, field, { nonEmpty: true, maxBytes: MAX_PATTERN_BYTES, noNul: true });
  if (/[\n\r]/.test(text)) {
    throw new WorkerError('INVALID_PATTERN', `${field} must be a single line (grep reads a newline as a second pattern)`);
  }
  try {
    new RegExp(text, 'u');
  } catch (error) {
    throw new WorkerError('INVALID_PATTERN', `${field} is not a valid regular expression: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  const unsupported = findPcreIncompatibility(text);
  if (unsupported !== undefined) {
    throw new WorkerError('INVALID_PATTERN', `${field} uses ${unsupported}, which grep -P (PCRE2) does not read as JavaScript does`);
  }
  return text;
}

/** The first JS-only construct in a pattern JS has already accepted, or undefined. */
function findPcreIncompatibility(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      if (pattern[i + 1] === 'u') return 'a \\u escape (write the character itself)';
      i++;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      let next = i + 1;
      if (pattern[next] === '^') next++;
      if (pattern[next] === ']') return 'an empty character class ([] or [^])';
      inClass = true;
      i = next - 1;
    }
  }
  return undefined;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8: "Invalid regular expression: /PATTERN/u: REASON"; keep the reason, not the echoed pattern.
  const at = message.lastIndexOf('/u: ');
  return at >= 0 ? message.slice(at + 4) : message;
}
