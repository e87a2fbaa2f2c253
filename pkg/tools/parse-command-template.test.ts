import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandTemplate, placeholderNames, TemplateSyntaxError, type TemplatePart } from './parse-command-template.js';

const text = (t: string): TemplatePart => ({ kind: 'text', text: t });
const param = (name: string): TemplatePart => ({ kind: 'param', name });

describe('parseCommandTemplate', () => {
  const cases: { element: string; parts: TemplatePart[] }[] = [
    { element: 'sleep', parts: [text('sleep')] },
    { element: '', parts: [text('')] },
    { element: '{seconds}', parts: [param('seconds')] },
    { element: '--size={size}', parts: [text('--size='), param('size')] },
    { element: '{a}{b}', parts: [param('a'), param('b')] },
    { element: '{a}-{b}.txt', parts: [param('a'), text('-'), param('b'), text('.txt')] },
    { element: '{{x}}', parts: [text('{x}')] },
    { element: '${{HOME}}/bin', parts: [text('${HOME}/bin')] },
    { element: '{{{x}}}', parts: [text('{'), param('x'), text('}')] },
    { element: 'awk {{print $1}}', parts: [text('awk {print $1}')] },
    { element: '{Big_Name2}', parts: [param('Big_Name2')] },
  ];
  for (const { element, parts } of cases) {
    it(`${JSON.stringify(element)} → ${JSON.stringify(parts)}`, () => {
      assert.deepEqual(parseCommandTemplate(element), parts);
    });
  }

  const invalid: { element: string; message: RegExp }[] = [
    { element: '{', message: /"\{" is not a placeholder.*write \{\{ and \}\} for literal braces/ },
    { element: 'echo {x', message: /"\{x" is not a placeholder/ },
    { element: '{}', message: /"\{\}" is not a placeholder/ },
    { element: '{a b}', message: /"\{a b\}" is not a placeholder/ },
    { element: '{1x}', message: /"\{1x\}" is not a placeholder/ },
    { element: '{_x}', message: /"\{_x\}" is not a placeholder/ },
    { element: '${HOME:-{x}}', message: /"\{HOME:-\{x\}" is not a placeholder/ },
    { element: 'awk {print $1}', message: /"\{print \$1\}" is not a placeholder.*\$\{\{HOME\}\}/ },
    { element: 'a}b', message: /a lone "\}" closes no placeholder/ },
    { element: '{x}}', message: /a lone "\}"/ },
  ];
  for (const { element, message } of invalid) {
    it(`refuses ${JSON.stringify(element)}`, () => {
      assert.throws(() => parseCommandTemplate(element), (error: unknown) => {
        assert.ok(error instanceof TemplateSyntaxError);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('lists placeholder names in order', () => {
    assert.deepEqual(placeholderNames(parseCommandTemplate('{b}:{a}:{b}')), ['b', 'a', 'b']);
  });
});
