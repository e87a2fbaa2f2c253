import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRunDisplay, formatProgressLine, SPINNER_INTERVAL_MS, type RunProgress } from './run-display.js';
import { ansi, TERM } from './terminal-style.js';

const running: RunProgress = { phase: 'running', worker: 'w1', attempt: 1, bytes: 1250 };

describe('formatProgressLine', () => {
  it('shows the phase, worker, elapsed time and, while running, the output so far', () => {
    assert.equal(formatProgressLine(running, 3200, 2, 80), '⠹ RUNNING on w1 · 3.2s · 1.2 KiB output');
    assert.equal(formatProgressLine({ ...running, attempt: 2 }, 0, 0, 80), '⠋ RUNNING on w1 (attempt 2) · 0.0s · 1.2 KiB output');
    assert.equal(formatProgressLine({ phase: 'submitting', worker: '', attempt: 0, bytes: 0 }, 50, 10, 80), '⠋ submitting · 0.0s');
    assert.equal(formatProgressLine({ phase: 'queued', worker: '', attempt: 0, bytes: 0 }, 12_000, 1, 80), '⠙ QUEUED waiting for a worker · 12s');
    assert.equal(formatProgressLine({ phase: 'assigned', worker: 'w2', attempt: 0, bytes: 0 }, 100, 1, 80), '⠙ ASSIGNED to w2 · 0.1s');
    assert.equal(formatProgressLine({ ...running, worker: '' }, 100, 1, 80), '⠙ RUNNING · 0.1s · 1.2 KiB output');
  });

  it('never reaches the last column, so it cannot wrap', () => {
    const line = formatProgressLine(running, 3200, 0, 20);
    assert.equal(line, '⠋ RUNNING on w1 · …');
    assert.equal([...line].length, 19);
    assert.equal(formatProgressLine(running, 3200, 0, 1), '');
  });

  it('colours the spinner and the state, and cuts plain text before colouring', () => {
    assert.equal(formatProgressLine(running, 0, 0, 80, ansi), '\u001b[36m⠋ \u001b[39m\u001b[36mRUNNING\u001b[39m on w1 · 0.0s · 1.2 KiB output');
    assert.equal(formatProgressLine(running, 0, 0, 7, ansi), '\u001b[36m⠋ \u001b[39m\u001b[36mRUN…\u001b[39m');
  });
});

interface FakeStream {
  readonly isTTY: boolean;
  readonly columns: number;
  readonly chunks: string[];
  write(chunk: string | Uint8Array): boolean;
}

function stream(isTTY: boolean, log: string[] = []): FakeStream {
  return {
    isTTY,
    columns: 60,
    chunks: log,
    write(chunk) {
      log.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'));
      return true;
    },
  };
}

const bytes = (text: string): Uint8Array => Buffer.from(text);
const ESC = '\u001b';

describe('createRunDisplay', () => {
  it('off (piped): output passes through unchanged, no escape codes, our lines start on a fresh line', async () => {
    const stdout = stream(false);
    const stderr = stream(false);
    const display = createRunDisplay({ stdout, stderr, progress: false, paint: (_s, t) => t, now: () => 0 });
    await display.output('stdout', bytes('partial'));
    await display.output('stderr', bytes('bad things'));
    await sleep(SPINNER_INTERVAL_MS * 2);
    display.line('task t COMPLETED on w1\n');
    display.stop();
    assert.deepEqual(stdout.chunks, ['partial']);
    assert.equal(stderr.chunks.join(''), 'bad things\ntask t COMPLETED on w1\n');
    assert.equal(display.showsProgress, false);
  });

  it('a line of ours after output that ended with a line break needs no extra one', async () => {
    const stderr = stream(false);
    const display = createRunDisplay({ stdout: stream(false), stderr, progress: false, paint: (_s, t) => t, now: () => 0 });
    await display.output('stderr', bytes('warning\n'));
    display.line('x\n');
    assert.equal(stderr.chunks.join(''), 'warning\nx\n');
  });

  it('on a terminal: draws at once, erases before terminal output, waits for a line start, erases and shows the cursor at the end', async () => {
    const terminal: string[] = [];
    const stdout = stream(true, terminal);
    const stderr = stream(true, terminal);
    let clock = 1000;
    const display = createRunDisplay({ stdout, stderr, progress: true, paint: (_s, t) => t, now: () => clock });
    assert.deepEqual(terminal, [TERM.hideCursor, `${TERM.clearLine}⠋ submitting · 0.0s`]);

    display.progress({ phase: 'running', worker: 'w1', attempt: 1 });
    clock += 1500;
    await display.output('stdout', bytes('half a line'));
    assert.deepEqual(terminal.slice(-2), [TERM.clearLine, 'half a line'], 'erased before the output');
    const afterHalf = terminal.length;
    await sleep(SPINNER_INTERVAL_MS * 3);
    assert.equal(terminal.length, afterHalf, 'no progress line while the cursor is mid-line');

    await display.output('stderr', bytes(' and the rest\n'));
    await sleep(SPINNER_INTERVAL_MS * 3);
    const drawn = terminal.slice(afterHalf + 1);
    assert.ok(drawn.length >= 1, 'drawn again once the line ended');
    assert.ok(drawn.every((chunk) => chunk.startsWith(TERM.clearLine) && chunk.includes('RUNNING on w1 · 1.5s')), JSON.stringify(drawn));

    display.stop();
    assert.deepEqual(terminal.slice(-2), [TERM.clearLine, TERM.showCursor]);
    const stopped = terminal.length;
    display.line('task t COMPLETED on w1\n');
    await sleep(SPINNER_INTERVAL_MS * 2);
    assert.deepEqual(terminal.slice(stopped), ['task t COMPLETED on w1\n'], 'nothing drawn after stop');
  });

  it('stderr on a terminal, stdout piped: stdout gets exactly the task bytes and the progress line is not erased for them', async () => {
    const stdout = stream(false);
    const stderr = stream(true);
    const display = createRunDisplay({ stdout, stderr, progress: true, paint: (_s, t) => t, now: () => 0 });
    const before = stderr.chunks.length;
    await display.output('stdout', bytes('no newline'));
    assert.deepEqual(stdout.chunks, ['no newline']);
    assert.equal(stderr.chunks.length, before);
    assert.ok(!stdout.chunks.join('').includes(ESC));
    display.stop();
    // The terminal's line was never broken by stdout, so our line needs no break first.
    display.line('x\n');
    assert.equal(stderr.chunks.at(-1), 'x\n');
  });

  it('waits for drain when the output is full', async () => {
    let drain: (() => void) | undefined;
    const stdout = {
      write: () => false,
      once: (_event: 'drain', listener: () => void) => (drain = listener),
    };
    const display = createRunDisplay({ stdout, stderr: stream(false), progress: false, paint: (_s, t) => t, now: () => 0 });
    let done = false;
    const writing = display.output('stdout', bytes('x')).then(() => (done = true));
    await sleep(10);
    assert.equal(done, false);
    drain!();
    await writing;
    assert.equal(done, true);
  });
});
