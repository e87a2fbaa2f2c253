// Output that keeps coming for longer than the engine call timeout: the attach stream must not
// inherit that timeout (it once did, and cut every stream silently at --rpc-timeout).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerRunner } from '../../pkg/runtime/index.js';
import { docker, testContainerSpec } from '../support/docker-fixtures.js';

describe('a stream that outlives the engine call timeout', () => {
  it('delivers output written after the call timeout, with no truncation flag', async () => {
    const runner = new ContainerRunner({ docker, engineCallTimeoutMs: 1_000, defaultRuntime: 'runc' });
    const spec = testContainerSpec('test-long-stream', ['sh', '-c', 'echo first; sleep 2.5; echo second; sleep 1; echo third >&2']);
    let stdout = '';
    let stderr = '';
    let exit: { exitCode: number; stdoutTruncated: boolean } | undefined;
    for await (const event of runner.run(spec, { signal: AbortSignal.timeout(30_000), outputCapBytes: 1 << 20 })) {
      if (event.type === 'output') {
        if (event.stream === 'stdout') stdout += event.data.toString();
        else stderr += event.data.toString();
      } else if (event.type === 'exit') exit = event;
    }
    assert.equal(stdout, 'first\nsecond\n');
    assert.equal(stderr, 'third\n');
    assert.equal(exit?.exitCode, 0);
    assert.equal(exit?.stdoutTruncated, false);
  });
});
