import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineRuntimesFrom } from '../runtime/index.js';
import { toolRuntimeProblem, type ToolRuntimeNeeds } from './tool-runtime-problem.js';

// What ensure-docker.sh registers, as `docker info` reports it.
const registered = engineRuntimesFrom({
  DefaultRuntime: 'runc',
  Runtimes: {
    runc: { path: 'runc' },
    runsc: { path: '/usr/bin/runsc', runtimeArgs: ['--platform=ptrace', '--network=none'] },
    'runsc-hostnet': { path: '/usr/bin/runsc', runtimeArgs: ['--platform=ptrace', '--network=host'] },
  },
});
const runcOnly = engineRuntimesFrom({ DefaultRuntime: 'runc', Runtimes: { runc: { path: 'runc' } } });

describe('engineRuntimesFrom', () => {
  it('lists the runtimes sorted, the default, and which have no network', () => {
    assert.deepEqual(registered, { default: 'runc', all: ['runc', 'runsc', 'runsc-hostnet'], networkless: ['runsc'] });
  });

  it('reads --network in both spellings, the last one winning', () => {
    const r = engineRuntimesFrom({
      Runtimes: {
        a: { runtimeArgs: ['--network', 'none'] },
        b: { runtimeArgs: ['--network=none', '--network=host'] },
        c: { runtimeArgs: ['-network=none'] },
        d: null,
      },
    });
    assert.deepEqual(r.networkless, ['a', 'c']);
  });

  it('an engine that lists nothing has runc', () => {
    assert.deepEqual(engineRuntimesFrom({}), { default: 'runc', all: ['runc'], networkless: [] });
  });
});

describe('toolRuntimeProblem', () => {
  const fileTool = (runtime?: string): ToolRuntimeNeeds => ({ type: 'file_read', network: 'none', runtime });
  const webTool = (runtime?: string): ToolRuntimeNeeds => ({ type: 'fetch_url', network: 'bridge', runtime });
  const cases: Array<[string, ToolRuntimeNeeds, typeof registered, RegExp | undefined]> = [
    ['the default runtime', fileTool(), registered, undefined],
    ['a file tool under runsc', fileTool('runsc'), registered, undefined],
    ['a web tool under runsc-hostnet', webTool('runsc-hostnet'), registered, undefined],
    ['a web tool under runc', webTool('runc'), registered, undefined],
    ['a runtime the engine lacks', fileTool('runsc'), runcOnly, /^runtime runsc is not registered with the Docker engine \(it has runc;/],
    ['a misspelt runtime', fileTool('runcs'), registered, /runtime runcs is not registered/],
    ['a web tool under a network-less runtime', webTool('runsc'), registered, /runtime runsc is registered with --network=none, so fetch_url \(network bridge\) would have no network/],
  ];
  for (const [name, tool, runtimes, expected] of cases) {
    it(name, () => {
      const problem = toolRuntimeProblem(tool, runtimes);
      if (expected === undefined) assert.equal(problem, undefined);
      else assert.match(problem ?? '', expected);
    });
  }
});
