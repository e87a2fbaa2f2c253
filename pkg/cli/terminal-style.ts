import { TaskState } from '../gen/agent/v1/agent.js';

/** The few SGR styles the CLI uses. */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'cyan';

const SGR: Record<Style, readonly [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
};

/** Wraps text in a style, or returns it as is when colour is off. */
export type Paint = (style: Style, text: string) => string;

export const plain: Paint = (_style, text) => text;

export const ansi: Paint = (style, text) => (text === '' ? text : `\u001b[${SGR[style][0]}m${text}\u001b[${SGR[style][1]}m`);

export function painter(enabled: boolean): Paint {
  return enabled ? ansi : plain;
}

/**
 * Whether to colour what goes to a stream, as Node decides for its own output: FORCE_COLOR
 * (`''`, `1`, `2`, `3`, `true` on; anything else off) wins, then NO_COLOR (any non-empty value:
 * off), then TERM=dumb (off), then whether the stream is a terminal.
 */
export function colorEnabled(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return ['', '1', '2', '3', 'true'].includes(force);
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return isTTY;
}

/** Whether a stream can take cursor movement (spinner, redrawn screen): a terminal that is not TERM=dumb. */
export function isInteractive(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY && env['TERM'] !== 'dumb';
}

/** COMPLETED green, FAILED and TIMEOUT red, CANCELLED yellow, RUNNING cyan, QUEUED blue. */
export function stateStyle(state: TaskState): Style | undefined {
  switch (state) {
    case TaskState.TASK_STATE_COMPLETED:
      return 'green';
    case TaskState.TASK_STATE_FAILED:
    case TaskState.TASK_STATE_TIMEOUT:
      return 'red';
    case TaskState.TASK_STATE_CANCELLED:
      return 'yellow';
    case TaskState.TASK_STATE_RUNNING:
      return 'cyan';
    case TaskState.TASK_STATE_QUEUED:
      return 'blue';
    default:
      return undefined;
  }
}

/** `text` in the colour of `state` (text defaults to the state's name). */
export function paintState(paint: Paint, state: TaskState, text: string): string {
  const style = stateStyle(state);
  return style === undefined ? text : paint(style, text);
}

/** Terminal control sequences. */
export const TERM = Object.freeze({
  clearLine: '\r\u001b[K',
  hideCursor: '\u001b[?25l',
  showCursor: '\u001b[?25h',
  enterAltScreen: '\u001b[?1049h',
  leaveAltScreen: '\u001b[?1049l',
  home: '\u001b[H',
  clearToLineEnd: '\u001b[K',
  clearToScreenEnd: '\u001b[J',
});

/** Cuts plain text (no escape codes) to at most `width` characters, ending in `…` when cut. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  return chars.slice(0, width - 1).join('') + '…';
}
