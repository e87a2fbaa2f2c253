import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { socketOwnerProblem } from './socket-owner-problem.js';

describe('socketOwnerProblem', () => {
  const trust = { selfUid: 1000, extraUids: [12345] };
  const cases: { name: string; object: { isSocket: boolean; uid: number }; problem: RegExp | undefined }[] = [
    { name: 'its own socket', object: { isSocket: true, uid: 1000 }, problem: undefined },
    { name: "root's socket", object: { isSocket: true, uid: 0 }, problem: undefined },
    { name: 'a --trust-socket-owner uid', object: { isSocket: true, uid: 12345 }, problem: undefined },
    {
      name: "another user's socket",
      object: { isSocket: true, uid: 2000 },
      problem: /refusing to connect to \/tmp\/o\.sock: it is owned by uid 2000, which is not this user \(uid 1000\), root, uid 12345;.*add --trust-socket-owner 2000/,
    },
    { name: 'a regular file, even our own', object: { isSocket: false, uid: 1000 }, problem: /\/tmp\/o\.sock is not a Unix socket/ },
  ];
  for (const { name, object, problem } of cases) {
    it(`${problem === undefined ? 'accepts' : 'refuses'} ${name}`, () => {
      const found = socketOwnerProblem('/tmp/o.sock', object, trust);
      if (problem === undefined) assert.equal(found, undefined);
      else assert.match(found ?? '', problem);
    });
  }
});
