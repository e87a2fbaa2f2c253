import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES, EXIT_CAUSES } from '../errors/index.js';
import { CAUSES, stateOfCause } from './causes.js';

const PROTOCOL_MD = new URL('../../docs/protocol.md', import.meta.url);
const PROTO = new URL('../../proto/agent/v1/agent.proto', import.meta.url);

/** The rows of the causes table in docs/protocol.md: | `CAUSE` | STATE | yes/no | meaning | */
function documentedCauses(): Array<{ cause: string; state: string; retryable: boolean }> {
  const text = readFileSync(PROTOCOL_MD, 'utf8');
  const rows = [...text.matchAll(/^\| `([A-Z_]+)` \| ([A-Z]+) \| (yes|no) \|/gm)];
  return rows.map((m) => ({ cause: m[1]!, state: m[2]!, retryable: m[3] === 'yes' }));
}

describe('the closed list of causes', () => {
  it('lists every exit cause and error code once', () => {
    const causes = CAUSES.map((row) => row.cause);
    assert.deepEqual(causes, [...EXIT_CAUSES, ...ERROR_CODES]);
    assert.equal(new Set(causes).size, causes.length);
  });

  it('ends a task in the state its cause names', () => {
    assert.equal(stateOfCause('NON_ZERO_EXIT'), 'COMPLETED');
    assert.equal(stateOfCause('TOOL_TIMEOUT'), 'TIMEOUT');
    assert.equal(stateOfCause('CANCELLED'), 'CANCELLED');
    assert.equal(stateOfCause('PATH_ESCAPE'), 'FAILED');
  });

  it('docs/protocol.md has the same table: every cause, its state and whether it is retryable', () => {
    const documented = documentedCauses();
    assert.deepEqual(
      documented,
      CAUSES.map(({ cause, state, retryable }) => ({ cause, state, retryable })),
    );
  });

  it('the proto lists the same causes at TaskResult.cause', () => {
    const proto = readFileSync(PROTO, 'utf8');
    const comment = /\/\/ Why the task ended;[\s\S]*?string cause = 11;/.exec(proto)?.[0] ?? '';
    const named = new Set(comment.match(/\b[A-Z][A-Z_]{3,}\b/g));
    for (const { cause } of CAUSES) assert.ok(named.has(cause), `${cause} is named at TaskResult.cause`);
  });
});
