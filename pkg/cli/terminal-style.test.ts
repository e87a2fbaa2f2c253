import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TaskState } from '../gen/agent/v1/agent.js';
import { ansi, colorEnabled, fit, isInteractive, paintState, painter, plain } from './terminal-style.js';

describe('colorEnabled', () => {
  const cases: Array<[boolean, Record<string, string>, boolean]> = [
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [true, { TERM: 'dumb' }, false],
    [false, { FORCE_COLOR: '1' }, true],
    [false, { FORCE_COLOR: '' }, true],
    [false, { FORCE_COLOR: '3' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { FORCE_COLOR: 'false' }, false],
    [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    [true, { TERM: 'dumb', FORCE_COLOR: '1' }, true],
  ];
  for (const [isTTY, env, expected] of cases) {
    it(`${isTTY ? 'terminal' : 'pipe'} ${JSON.stringify(env)}: ${expected ? 'colour' : 'none'}`, () => {
      assert.equal(colorEnabled(isTTY, env), expected);
    });
  }
});

describe('isInteractive', () => {
  it('needs a terminal that is not TERM=dumb (colour settings do not matter)', () => {
    assert.equal(isInteractive(true, {}), true);
    assert.equal(isInteractive(true, { NO_COLOR: '1' }), true);
    assert.equal(isInteractive(true, { TERM: 'dumb' }), false);
    assert.equal(isInteractive(false, { FORCE_COLOR: '1' }), false);
  });
});

describe('painter / paintState', () => {
  it('colours states on, plain off', () => {
    assert.equal(painter(false), plain);
    assert.equal(paintState(plain, TaskState.TASK_STATE_COMPLETED, 'COMPLETED'), 'COMPLETED');
    assert.equal(paintState(ansi, TaskState.TASK_STATE_COMPLETED, 'COMPLETED'), '\u001b[32mCOMPLETED\u001b[39m');
    assert.equal(paintState(ansi, TaskState.TASK_STATE_FAILED, 'x'), '\u001b[31mx\u001b[39m');
    assert.equal(paintState(ansi, TaskState.TASK_STATE_TIMEOUT, 'x'), '\u001b[31mx\u001b[39m');
    assert.equal(paintState(ansi, TaskState.TASK_STATE_CANCELLED, 'x'), '\u001b[33mx\u001b[39m');
    assert.equal(paintState(ansi, TaskState.TASK_STATE_RUNNING, 'x'), '\u001b[36mx\u001b[39m');
    assert.equal(paintState(ansi, TaskState.TASK_STATE_UNSPECIFIED, 'x'), 'x');
    assert.equal(ansi('bold', ''), '');
  });
});

describe('fit', () => {
  it('cuts to the width with an ellipsis, counting characters, not UTF-16 units', () => {
    assert.equal(fit('abcdef', 6), 'abcdef');
    assert.equal(fit('abcdef', 4), 'abc…');
    assert.equal(fit('⠋⠙⠹', 2), '⠋…');
    assert.equal(fit('abc', 0), '');
  });
});
