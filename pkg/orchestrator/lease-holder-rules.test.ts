import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentTokenMatches, hashAgentToken, mintAgentCredential } from './agent-credential.js';
import { judgeAgentCall, judgeRegistration, judgeReporter, type HolderView, type ReporterView } from './lease-holder-rules.js';

const victim = mintAgentCredential();
const other = mintAgentCredential();

describe('agent credentials', () => {
  it('are 256 random bits; only the token itself matches its hash', () => {
    assert.equal(Buffer.from(victim.token, 'base64url').length, 32);
    assert.notEqual(victim.token, other.token);
    assert.equal(victim.tokenHash, hashAgentToken(victim.token));
    assert.equal(agentTokenMatches(victim.tokenHash, victim.token), true);
    for (const wrong of [undefined, '', other.token, victim.tokenHash, victim.token.toUpperCase(), `${victim.token} `, 'x'.repeat(10_000)]) {
      assert.equal(agentTokenMatches(victim.tokenHash, wrong), false, String(wrong).slice(0, 20));
    }
    assert.equal(agentTokenMatches('', ''), false);
    assert.equal(agentTokenMatches('not hex', victim.token), false);
  });
});

describe('judgeRegistration', () => {
  const view = { requestedId: 'A', presentedToken: '', knownTokenHash: undefined, restoredTokenHash: undefined };
  const cases: Array<[string, Parameters<typeof judgeRegistration>[0], ReturnType<typeof judgeRegistration>]> = [
    ['no id: new', view, { kind: 'new', provenFormerId: undefined }],
    ['no id, whatever token: new, proves nothing', { ...view, requestedId: '', presentedToken: victim.token, restoredTokenHash: victim.tokenHash }, { kind: 'new', provenFormerId: undefined }],
    ['known id with its token: resume', { ...view, presentedToken: victim.token, knownTokenHash: victim.tokenHash }, { kind: 'resume' }],
    ['known id without a token: deny', { ...view, knownTokenHash: victim.tokenHash }, { kind: 'deny' }],
    ['known id with another worker’s token: deny', { ...view, presentedToken: other.token, knownTokenHash: victim.tokenHash }, { kind: 'deny' }],
    ['known id with its hash as the token: deny', { ...view, presentedToken: victim.tokenHash, knownTokenHash: victim.tokenHash }, { kind: 'deny' }],
    ['unknown id: new', view, { kind: 'new', provenFormerId: undefined }],
    ['unknown id a restored lease names, with its token: new, proven', { ...view, presentedToken: victim.token, restoredTokenHash: victim.tokenHash }, { kind: 'new', provenFormerId: 'A' }],
    ['unknown id a restored lease names, without its token: new, not proven', { ...view, restoredTokenHash: victim.tokenHash }, { kind: 'new', provenFormerId: undefined }],
    ['unknown id a restored lease names, another token: new, not proven', { ...view, presentedToken: other.token, restoredTokenHash: victim.tokenHash }, { kind: 'new', provenFormerId: undefined }],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.deepEqual(judgeRegistration(input), expected));
});

describe('judgeAgentCall', () => {
  it('ok with the token, denied without or with another, unknown for an id not registered', () => {
    assert.equal(judgeAgentCall(victim.tokenHash, victim.token), 'ok');
    assert.equal(judgeAgentCall(victim.tokenHash, undefined), 'denied');
    assert.equal(judgeAgentCall(victim.tokenHash, other.token), 'denied');
    assert.equal(judgeAgentCall(undefined, victim.token), 'unknown');
  });
});

describe('judgeReporter', () => {
  const held: HolderView = { holderAgentId: 'gpu-1', restoredHolderId: '', group: 'gpu' };
  const restored: HolderView = { holderAgentId: undefined, restoredHolderId: 'gpu-1', group: 'gpu' };
  const holder: ReporterView = { agentId: 'gpu-1', group: 'gpu', provenFormerId: undefined };
  const sameGroup: ReporterView = { agentId: 'gpu-2', group: 'gpu', provenFormerId: undefined };
  const rogue: ReporterView = { agentId: 'rogue', group: 'default', provenFormerId: undefined };
  const heir: ReporterView = { agentId: 'new-id', group: 'gpu', provenFormerId: 'gpu-1' };
  const cases: Array<[string, HolderView, ReporterView, ReturnType<typeof judgeReporter>]> = [
    ['the holder', held, holder, 'holder'],
    ['another worker of the same group', held, sameGroup, 'not-holder'],
    ['a worker of another group', held, rogue, 'not-holder'],
    ['a proven former holder, of a lease held in memory', held, heir, 'not-holder'],
    ['the proven holder of a restored lease', restored, heir, 'claim'],
    ['anyone else, for a restored lease', restored, sameGroup, 'not-holder'],
    ['a proven former holder now in another group', restored, { ...heir, group: 'default' }, 'not-holder'],
    ['the holder, no longer in the task’s group', held, { ...holder, group: 'default' }, 'not-holder'],
    ['a restored lease stored without a holder', { ...restored, restoredHolderId: '' }, { ...heir, provenFormerId: '' }, 'not-holder'],
    ['a task for any group: the holder', { ...held, group: '' }, { ...holder, group: 'default' }, 'holder'],
    ['a task for any group: anyone else', { ...held, group: '' }, rogue, 'not-holder'],
  ];
  for (const [name, lease, reporter, expected] of cases) it(name, () => assert.equal(judgeReporter(lease, reporter), expected));
});
