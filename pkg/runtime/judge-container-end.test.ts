import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeContainerEnd, type ContainerEndFacts, type EngineEndReason } from './judge-container-end.js';

describe('judgeContainerEnd', () => {
  const cases: Array<{ name: string; facts: ContainerEndFacts; reason: EngineEndReason | undefined }> = [
    { name: 'a tool exits 0', facts: { exitCode: 0, killSignals: [], dieExitCode: 0, eventsLost: false }, reason: undefined },
    { name: 'a tool kills itself with SIGTERM', facts: { exitCode: 143, killSignals: [], dieExitCode: 143, eventsLost: false }, reason: undefined },
    { name: 'a tool kills itself with SIGKILL', facts: { exitCode: 137, killSignals: [], dieExitCode: 137, eventsLost: false }, reason: undefined },
    { name: 'a tool exits 255 by itself', facts: { exitCode: 255, killSignals: [], dieExitCode: 255, eventsLost: false }, reason: undefined },
    { name: 'no die seen yet, events still open', facts: { exitCode: 143, killSignals: [], dieExitCode: undefined, eventsLost: false }, reason: undefined },
    { name: 'dockerd stopping: kill signal=15, die 143', facts: { exitCode: 143, killSignals: ['15'], dieExitCode: 143, eventsLost: false }, reason: 'engine-stopped' },
    { name: 'dockerd stopping a process that ignores TERM: 15 then 9', facts: { exitCode: 137, killSignals: ['15', '9'], dieExitCode: 137, eventsLost: true }, reason: 'engine-stopped' },
    { name: 'the shim killed: die 255, wait 137', facts: { exitCode: 137, killSignals: [], dieExitCode: 255, eventsLost: false }, reason: 'runtime-lost' },
    { name: 'the events stream gone before any die', facts: { exitCode: 143, killSignals: [], dieExitCode: undefined, eventsLost: true }, reason: 'engine-gone' },
    { name: 'the events stream gone after the die', facts: { exitCode: 1, killSignals: [], dieExitCode: 1, eventsLost: true }, reason: undefined },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.reason ?? 'by itself'}`, () => {
      const ending = judgeContainerEnd(c.facts);
      assert.equal(ending?.reason, c.reason);
      if (ending) assert.ok(ending.detail.length > 0);
    });
  }
});
