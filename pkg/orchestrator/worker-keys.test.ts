import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkerKeys } from './worker-keys.js';

const SHARED = 'shared-key-0123456789';
const GPU = 'gpu-group-key-0123456789';

describe('createWorkerKeys', () => {
  it('no keys: nothing is required and everything passes', () => {
    const keys = createWorkerKeys({});
    assert.equal(keys.required, false);
    assert.equal(keys.isKnown(undefined), true);
    assert.equal(keys.allows('any', undefined), true);
  });

  it('one shared key: every group uses it', () => {
    const keys = createWorkerKeys({ workerKey: SHARED });
    assert.equal(keys.required, true);
    assert.equal(keys.isKnown(SHARED), true);
    assert.equal(keys.isKnown('wrong-key-0123456789'), false);
    assert.equal(keys.isKnown(undefined), false);
    assert.equal(keys.allows('default', SHARED), true);
    assert.equal(keys.allows('gpu', SHARED), true);
  });

  it('a group key replaces the shared key for its group only', () => {
    const keys = createWorkerKeys({ workerKey: SHARED, groupKeys: { gpu: GPU } });
    assert.equal(keys.isKnown(GPU), true);
    assert.equal(keys.allows('gpu', GPU), true);
    assert.equal(keys.allows('gpu', SHARED), false, 'the shared key does not open a group with its own key');
    assert.equal(keys.allows('default', GPU), false, "a group's key does not open other groups");
    assert.equal(keys.allows('default', SHARED), true);
  });

  it('group keys without a shared key: unlisted groups are refused', () => {
    const keys = createWorkerKeys({ groupKeys: { gpu: GPU } });
    assert.equal(keys.required, true);
    assert.equal(keys.allows('gpu', GPU), true);
    assert.equal(keys.allows('default', GPU), false);
    assert.equal(keys.allows('default', undefined), false);
    assert.equal(keys.isKnown(undefined), false);
  });
});
