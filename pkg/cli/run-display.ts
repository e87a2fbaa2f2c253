import { TaskState } from '../gen/agent/v1/agent.js';
import type { CliOutput } from './cli-output.js';
import { formatAge, formatBytes } from './format-age.js';
import { fit, paintState, plain, TERM, type Paint } from './terminal-style.js';

/** Where a followed task is, as far as `task run` knows. */
export interface RunProgress {
  readonly phase: 'submitting' | 'queued' | 'assigned' | 'running';
  /** '' until known. */
  readonly worker: string;
  /** 0 before the first run. */
  readonly attempt: number;
  /** Output bytes (stdout and stderr) of the current attempt. */
  readonly bytes: number;
}

export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;
export const SPINNER_INTERVAL_MS = 100;

/**
 * The progress line, at most `columns - 1` characters wide (so that it never wraps):
 * `⠹ RUNNING on w1 · 3.2s · 1.2 KiB output`.
 */
export function formatProgressLine(progress: RunProgress, elapsedMs: number, frame: number, columns: number, paint: Paint = plain): string {
  const parts: Array<{ text: string; paint?: (text: string) => string }> = [
    { text: `${SPINNER_FRAMES[frame % SPINNER_FRAMES.length]} `, paint: (t) => paint('cyan', t) },
  ];
  switch (progress.phase) {
    case 'submitting':
      parts.push({ text: 'submitting' });
      break;
    case 'queued':
      parts.push({ text: 'QUEUED', paint: (t) => paintState(paint, TaskState.TASK_STATE_QUEUED, t) }, { text: ' waiting for a worker' });
      break;
    case 'assigned':
      parts.push({ text: 'ASSIGNED' }, { text: progress.worker === '' ? '' : ` to ${progress.worker}` });
      break;
    case 'running':
      parts.push({ text: 'RUNNING', paint: (t) => paintState(paint, TaskState.TASK_STATE_RUNNING, t) }, { text: progress.worker === '' ? '' : ` on ${progress.worker}` });
      break;
  }
  if (progress.attempt > 1) parts.push({ text: ` (attempt ${progress.attempt})` });
  parts.push({ text: ` · ${formatAge(elapsedMs)}` });
  if (progress.phase === 'running') parts.push({ text: ` · ${formatBytes(progress.bytes)} output` });
  // Cut the plain text to the width first, then colour what is left of each part.
  let room = Math.max(0, columns - 1);
  let line = '';
  for (const part of parts) {
    if (room <= 0) break;
    const text = fit(part.text, room);
    room -= [...text].length;
    line += part.paint ? part.paint(text) : text;
  }
  return line;
}

export interface RunDisplayOptions {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Show the progress line (stderr is a terminal, not --json). Its width is stderr's (80 when the terminal reports none). */
  readonly progress: boolean;
  readonly paint: Paint;
  readonly now: () => number;
}

/**
 * Everything `task run` writes, so that the progress line and the task's output never mix: the
 * line sits on stderr only while the terminal's cursor is at the start of a line, and is erased
 * before anything is written to the terminal. The task's output passes through unchanged.
 */
export interface RunDisplay {
  /** A chunk of the task's output (waits while `stream` is full). */
  output(stream: 'stdout' | 'stderr', data: Uint8Array): Promise<void>;
  /** A line of our own on stderr, after a line break when the output ended mid-line. */
  line(text: string): void;
  progress(change: Partial<RunProgress>): void;
  readonly state: RunProgress;
  /** Whether the progress line is on (a terminal, not --json). */
  readonly showsProgress: boolean;
  /** How our own lines are coloured. */
  readonly paint: Paint;
  /** Erases the progress line and shows the cursor again; no more progress after this. */
  stop(): void;
}

export function createRunDisplay(options: RunDisplayOptions): RunDisplay {
  const { stdout, stderr, paint, now } = options;
  const startedAt = now();
  let state: RunProgress = { phase: 'submitting', worker: '', attempt: 0, bytes: 0 };
  let frame = 0;
  let shown = false;
  let cursorHidden = false;
  /** Whether the last byte written to the terminal (stderr, and stdout when it is one too) ended a line. */
  let terminalAtLineStart = true;
  let stderrAtLineStart = true;
  let timer: NodeJS.Timeout | undefined;

  const erase = (): void => {
    if (!shown) return;
    stderr.write(TERM.clearLine);
    shown = false;
  };
  const draw = (): void => {
    if (timer === undefined || !terminalAtLineStart) return;
    if (!cursorHidden) {
      stderr.write(TERM.hideCursor);
      cursorHidden = true;
    }
    stderr.write(TERM.clearLine + formatProgressLine(state, now() - startedAt, frame++, stderr.columns || 80, paint));
    shown = true;
  };
  const wrote = (stream: CliOutput, data: Uint8Array | string): void => {
    if (data.length === 0) return;
    const last = typeof data === 'string' ? data.at(-1) === '\n' : data[data.length - 1] === 0x0a;
    if (stream === stderr) stderrAtLineStart = last;
    if (stream.isTTY === true) terminalAtLineStart = last;
  };

  if (options.progress) {
    timer = setInterval(draw, SPINNER_INTERVAL_MS);
    timer.unref();
    draw();
  }

  return {
    async output(name, data) {
      const stream = name === 'stdout' ? stdout : stderr;
      if (stream.isTTY === true) erase();
      const full = stream.write(data) === false;
      wrote(stream, data);
      if (full && stream.once !== undefined) await new Promise<void>((resolve) => stream.once?.('drain', resolve));
    },
    line(text) {
      erase();
      const breakFirst = stderr.isTTY === true ? !terminalAtLineStart : !stderrAtLineStart;
      const chunk = (breakFirst ? '\n' : '') + text;
      stderr.write(chunk);
      wrote(stderr, chunk);
    },
    progress(change) {
      state = { ...state, ...change };
    },
    get state() {
      return state;
    },
    showsProgress: options.progress,
    paint,
    stop() {
      clearInterval(timer);
      timer = undefined;
      erase();
      if (cursorHidden) stderr.write(TERM.showCursor);
      cursorHidden = false;
    },
  };
}
