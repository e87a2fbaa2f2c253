import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesHostPattern } from './match-host-pattern.js';

describe('matchesHostPattern', () => {
  const cases: Array<[host: string, pattern: string, matches: boolean]> = [
    ['db.internal', 'db.internal', true],
    ['DB.Internal.', 'db.internal', true],
    ['xdb.internal', 'db.internal', false],
    ['a.db.internal', 'db.internal', false],
    ['a.corp.example', '*.corp.example', true],
    ['a.b.corp.example', '*.corp.example', true],
    ['corp.example', '*.corp.example', false],
    ['evilcorp.example', '*.corp.example', false],
    ['corp.example.evil', '*.corp.example', false],
    ['10.1.2.3', '10.1.2.3', true],
  ];
  for (const [host, pattern, matches] of cases) {
    it(`${host} ${matches ? 'matches' : 'does not match'} ${pattern}`, () => assert.equal(matchesHostPattern(host, pattern), matches));
  }
});
