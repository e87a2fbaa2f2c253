import type { TemplatePart } from './parse-command-template.js';

/** A command's parsed elements, as the placeholder checks read them. */
export interface CommandView {
  readonly length: number;
  /** The first part of an element: whether it starts with literal text or a value. */
  first(index: number): TemplatePart | undefined;
  hasPlaceholder(index: number): boolean;
  /** The element's literal text; only meaningful for an element without placeholders. */
  literal(index: number): string;
}

/** Where a command's placeholders could change what runs; `reason` is meant for the operator. */
export interface UnsafePlaceholder {
  /** Index of the command element at fault. */
  readonly index: number;
  readonly reason: string;
}

export function viewCommand(elements: readonly (readonly TemplatePart[])[]): CommandView {
  return {
    length: elements.length,
    first: (index) => elements[index]?.[0],
    hasPlaceholder: (index) => elements[index]?.some((part) => part.kind === 'param') ?? false,
    literal: (index) => (elements[index] ?? []).map((part) => (part.kind === 'text' ? part.text : '')).join(''),
  };
}

/** Whether any element from `from` on holds a placeholder. */
export function placeholderFrom(command: CommandView, from: number, to = command.length): boolean {
  for (let index = from; index < to; index += 1) if (command.hasPlaceholder(index)) return true;
  return false;
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
