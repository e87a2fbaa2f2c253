import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterRequest } from '../gen/agent/v1/agent.js';
import { registrationProblem } from './validate-registration.js';

const register = (fields: Partial<RegisterRequest>): RegisterRequest => RegisterRequest.fromPartial({ name: 'w1', hostname: 'h', version: '0.1.0', ...fields });

describe('registrationProblem', () => {
  it('accepts a plain registration, with or without a group', () => {
    assert.equal(registrationProblem(register({})), undefined);
    assert.equal(registrationProblem(register({ group: 'gpu', labels: { zone: 'a' } })), undefined);
  });
  const refused: Array<[string, Partial<RegisterRequest>, RegExp]> = [
    ['an empty name', { name: '' }, /^name is required$/],
    ['a name with an escape sequence', { name: 'w\u001b]0;x\u0007' }, /^name contains control characters$/],
    ['a name with a newline', { name: 'w1\nforged line' }, /^name contains control characters$/],
    ['a C1 control in the hostname', { hostname: 'h\u009b' }, /^hostname contains control characters$/],
    ['a long name', { name: 'n'.repeat(254) }, /^name is 254 characters long, more than the 253 allowed$/],
    ['a long version', { version: 'v'.repeat(65) }, /^version is 65 characters long/],
    ['a bad group', { group: 'a/b' }, /^group "a\/b" is not/],
    ['a bad label', { labels: { zone: 'a\u001b' } }, /^label zone: value/],
  ];
  for (const [what, fields, message] of refused) {
    it(`refuses ${what}`, () => assert.match(registrationProblem(register(fields)) ?? '', message));
  }
});
