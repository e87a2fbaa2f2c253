import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describePlacement, effectiveGroup, matchesPlacement, type PlacedWorker } from './placement.js';
import { parseLabelPairs } from './label-rules.js';
import { platformLabels } from './platform-labels.js';

const worker: PlacedWorker = { agentId: 'id-1', name: 'w1', group: 'gpu', labels: { zone: 'a', 'platform.os': 'linux' } };
const none = { worker: '', group: '', labels: {} };

describe('matchesPlacement', () => {
  it('matches an unconstrained placement', () => assert.equal(matchesPlacement(worker, none), true));
  it('by name or agent id', () => {
    assert.equal(matchesPlacement(worker, { ...none, worker: 'w1' }), true);
    assert.equal(matchesPlacement(worker, { ...none, worker: 'id-1' }), true);
    assert.equal(matchesPlacement(worker, { ...none, worker: 'w2' }), false);
  });
  it('by group, an empty worker group being the default group', () => {
    assert.equal(matchesPlacement(worker, { ...none, group: 'gpu' }), true);
    assert.equal(matchesPlacement(worker, { ...none, group: 'default' }), false);
    assert.equal(matchesPlacement({ ...worker, group: '' }, { ...none, group: 'default' }), true);
    assert.equal(effectiveGroup(''), 'default');
  });
  it('by every label, with exact values', () => {
    assert.equal(matchesPlacement(worker, { ...none, labels: { zone: 'a', 'platform.os': 'linux' } }), true);
    assert.equal(matchesPlacement(worker, { ...none, labels: { zone: 'b' } }), false);
    assert.equal(matchesPlacement(worker, { ...none, labels: { zone: 'a', disk: 'ssd' } }), false);
    assert.equal(matchesPlacement(worker, { ...none, labels: { toString: '' } }), false, 'inherited keys are not labels');
  });
  it('describes a placement for messages', () => {
    assert.equal(describePlacement(none), 'any worker');
    assert.equal(describePlacement({ worker: 'w1', group: 'gpu', labels: { zone: 'a', disk: 'ssd' } }), 'worker "w1", group "gpu", labels zone=a,disk=ssd');
  });
});

describe('parseLabelPairs', () => {
  it('reads pairs separated by commas, the last of a repeated key winning', () => {
    assert.deepEqual(parseLabelPairs('zone=a, disk=ssd,zone=b,empty='), { zone: 'b', disk: 'ssd', empty: '' });
    assert.deepEqual(parseLabelPairs(''), {});
  });
  it('refuses what is not key=value or breaks the rules', () => {
    assert.throws(() => parseLabelPairs('zone'), /"zone" is not key=value/);
    assert.throws(() => parseLabelPairs('=a'), /"=a" is not key=value/);
    assert.throws(() => parseLabelPairs('a b=c'), /label key "a b" is not/);
    assert.throws(() => parseLabelPairs('zone=$(id)'), /label zone: value "\$\(id\)" is not/);
    assert.throws(() => parseLabelPairs(`k=${'v'.repeat(64)}`), /is not at most 63/);
  });
});

describe('platformLabels', () => {
  it('names the os, the arch, and each runtime and tool', () => {
    assert.deepEqual(platformLabels({ os: 'linux', arch: 'x64', runtimes: ['runc', 'runsc'], tools: ['grep', 'bad name!'] }), {
      'platform.os': 'linux',
      'platform.arch': 'x64',
      'platform.runtime.runc': 'true',
      'platform.runtime.runsc': 'true',
      'platform.tool.grep': 'true',
    });
  });
});
