import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUILTIN_TOOL_PARAMS_CASES,
  BUILTIN_TOOL_TYPES,
  isBuiltinToolType,
  paramsCaseForTool,
  toolTypeForParamsCase,
} from './tool-params.js';

describe('tool type ↔ params case', () => {
  it('maps each built-in tool to its case and back', () => {
    const expected = {
      file_read: 'fileRead',
      file_write: 'fileWrite',
      file_edit: 'fileEdit',
      grep: 'grep',
      find: 'find',
      list: 'list',
      fetch_url: 'fetchUrl',
      web_search: 'webSearch',
    };
    assert.deepEqual({ ...BUILTIN_TOOL_PARAMS_CASES }, expected);
    assert.deepEqual([...BUILTIN_TOOL_TYPES], Object.keys(expected));
    for (const [type, paramsCase] of Object.entries(expected)) {
      assert.equal(paramsCaseForTool(type), paramsCase);
      assert.equal(toolTypeForParamsCase(paramsCase as never), type);
      assert.ok(isBuiltinToolType(type));
    }
  });

  it('gives undefined for every other type, inherited names included', () => {
    for (const type of ['my-tool', '', 'FILE_READ', 'fileRead', '__proto__', 'toString', 'constructor', 'hasOwnProperty']) {
      assert.equal(paramsCaseForTool(type), undefined, type);
      assert.equal(isBuiltinToolType(type), false, type);
    }
    assert.equal(toolTypeForParamsCase('custom'), undefined);
  });

  it('is frozen', () => {
    assert.ok(Object.isFrozen(BUILTIN_TOOL_PARAMS_CASES));
    assert.ok(Object.isFrozen(BUILTIN_TOOL_TYPES));
  });
});
