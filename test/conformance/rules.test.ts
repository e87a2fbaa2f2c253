// Every rule id docs/protocol.md defines (**[W1]**, **[O4]**, ...) has a conformance test: a test
// in test/conformance/*.test.ts whose title starts with the id in brackets, e.g.
// it('[O4] RegisterResponse carries ...') or it('[O10][O13] ...').
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/processes.js';

const DOC = join(ROOT, 'docs/protocol.md');
const DIR = join(ROOT, 'test/conformance');

/** The ids the document defines: each appears in bold, `**[O4]**`. */
function definedRuleIds(markdown: string): string[] {
  return [...new Set([...markdown.matchAll(/\*\*\[([A-Z]\d+)\]\*\*/g)].map((m) => m[1]!))];
}

/** Every `it(...)` title of a test file that starts with bracketed ids, as written: `[O10][O13] ...`. */
function testTitles(source: string): string[] {
  const titles: string[] = [];
  // it('...'), it("...") or it(`...`), possibly it.skip / it.todo / it.only.
  for (const m of source.matchAll(/\bit(?:\.\w+)?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g)) titles.push(m[2]!);
  return titles.filter((t) => t.startsWith('['));
}

/** The ids in the leading brackets of a title: `[O10][O13] x` and `[O10, O13] x` give O10 and O13. */
function titleRuleIds(title: string): string[] {
  const head = /^(?:\s*\[[^\]]*\])+/.exec(title)?.[0] ?? '';
  return [...head.matchAll(/\b([A-Z]\d+)\b/g)].map((m) => m[1]!);
}

const byNumber = (a: string, b: string): number => a[0]!.localeCompare(b[0]!) || Number(a.slice(1)) - Number(b.slice(1));

describe('conformance: every rule of docs/protocol.md has a test', () => {
  const defined = definedRuleIds(readFileSync(DOC, 'utf8')).sort(byNumber);
  const files = readdirSync(DIR).filter((f) => f.endsWith('.test.ts'));
  const titles = files.flatMap((f) => testTitles(readFileSync(join(DIR, f), 'utf8')).map((title) => ({ file: f, title })));
  const tested = new Map<string, string[]>();
  for (const { file, title } of titles) {
    for (const id of titleRuleIds(title)) tested.set(id, [...(tested.get(id) ?? []), `${file}: ${title}`]);
  }

  it('the parsers read what they should', () => {
    assert.deepEqual(definedRuleIds('x **[O4]** y [O5] z **[W12]** **[W*n*]** **[O4]**'), ['O4', 'W12']);
    assert.deepEqual(
      testTitles(`it('[O1] a', () => {}); it("[W2][O3] it's", f); it('[O5] the worker\\'s', f); it(\`[O9, O10] c\`, f); it('no id', f); it.skip('[O7] d', f); describe('[O8] e', f); submit('[O6] f')`),
      ['[O1] a', '[W2][O3] it\'s', "[O5] the worker\\'s", '[O9, O10] c', '[O7] d'],
    );
    assert.deepEqual(titleRuleIds('[O10][O13] a completed from [O99]'), ['O10', 'O13']);
    assert.deepEqual(titleRuleIds('[O9, W11] b'), ['O9', 'W11']);
  });

  it('the document defines the worker\'s rules W1.. and the orchestrator\'s O1.., each numbered without a gap', () => {
    for (const side of ['W', 'O']) {
      const numbers = defined.filter((id) => id.startsWith(side)).map((id) => Number(id.slice(1)));
      assert.ok(numbers.length > 0, `no [${side}n] rule found in ${DOC}`);
      assert.deepEqual(numbers, numbers.map((_, i) => i + 1), `${side} rules: ${numbers.join(', ')}`);
    }
  });

  it('every rule id the document defines starts the title of at least one test in test/conformance', () => {
    const untested = defined.filter((id) => !tested.has(id));
    assert.deepEqual(untested, [], `rules without a conformance test: ${untested.join(', ')}`);
  });

  it('every rule id a test title names is defined by the document', () => {
    const unknown = [...tested.keys()].filter((id) => !defined.includes(id)).sort(byNumber);
    assert.deepEqual(unknown, [], unknown.map((id) => `${id}: ${tested.get(id)!.join('; ')}`).join('\n'));
  });
});
