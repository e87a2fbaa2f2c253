import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAddressableTaskId, MAX_TASK_ID_BYTES } from './is-addressable-task-id.js';

describe('isAddressableTaskId', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a UUID', 'd0fcd124-5b6a-4c1e-9f0e-0b1c2d3e4f50', true],
    ['any printable id', 'task/42 ü', true],
    ['the largest id', 'x'.repeat(MAX_TASK_ID_BYTES), true],
    ['the empty id (the hello’s)', '', false],
    ['one byte too many', 'x'.repeat(MAX_TASK_ID_BYTES + 1), false],
    ['a control character', 'a\nb', false],
    ['an escape sequence', '\u001b[2J', false],
    ['an unpaired surrogate', 'a\uD800b', false],
  ];
  for (const [what, id, ok] of cases) it(`${what} → ${ok}`, () => assert.equal(isAddressableTaskId(id), ok));
});
