import { CONFIGURED_PARAM_NAME } from './configured-tool-definition.js';
import { quoteValue } from '../errors/quote-value.js';

/** A piece of one command element: literal text, or a parameter's value. */
export type TemplatePart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'param'; readonly name: string };

/** Why a command element is not a template; `reason` is meant for the operator. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
}

/**
 * Splits one command element into literal text and `{name}` placeholders, left to right:
 * `{{` and `}}` are literal braces; `{` must open a placeholder whose name matches
 * CONFIGURED_PARAM_NAME; a lone `}` is an error. Adjacent text is merged; an empty element is
 * one empty text part. Throws TemplateSyntaxError.
 */
export function parseCommandTemplate(element: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < element.length) {
    const char = element[i];
    const next = element[i + 1];
    if (char === '{' && next === '{') {
      text += '{';
      i += 2;
    } else if (char === '}' && next === '}') {
      text += '}';
      i += 2;
    } else if (char === '{') {
      const end = element.indexOf('}', i + 1);
      const name = end === -1 ? element.slice(i + 1) : element.slice(i + 1, end);
      if (end === -1 || !CONFIGURED_PARAM_NAME.test(name)) {
        const shown = end === -1 ? element.slice(i) : element.slice(i, end + 1);
        throw new TemplateSyntaxError(
          `${quoteValue(shown)} is not a placeholder (a parameter name in braces, e.g. {size}); ` +
            'write {{ and }} for literal braces (e.g. ${{HOME}} in a shell script)',
        );
      }
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'param', name });
      i = end + 1;
    } else if (char === '}') {
      throw new TemplateSyntaxError('a lone "}" closes no placeholder; write }} for a literal brace');
    } else {
      text += char;
      i += 1;
    }
  }
  if (text !== '' || parts.length === 0) parts.push({ kind: 'text', text });
  return parts;
}

/** The names of the placeholders in parsed parts, in order. */
export function placeholderNames(parts: readonly TemplatePart[]): string[] {
  return parts.flatMap((part) => (part.kind === 'param' ? [part.name] : []));
}
