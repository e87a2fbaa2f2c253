// A runtime the policy forces must exist on the engine, and have a network when the tool needs one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Task } from '../gen/agent/v1/agent.js';
import { parsePolicy } from '../policy/index.js';
import { engineRuntimesFrom, type ContainerSpec, type EngineRuntimes, type RunEvent, type RunsContainers } from '../runtime/index.js';
import { defineCustomTool, ToolRegistry } from '../tools/index.js';
import { TaskExecutor } from './task-executor.js';

/** A runner that records what it was asked to run and lets it exit 0 at once. */
class RecordingRunner implements RunsContainers {
  readonly specs: ContainerSpec[] = [];

  async *run(spec: ContainerSpec): AsyncGenerator<RunEvent> {
    this.specs.push(spec);
    yield { type: 'started', containerId: 'c1', runtime: spec.runtime ?? 'runc', profile: `baaaht/v1 runtime=${spec.runtime ?? 'runc'}` };
    yield { type: 'exit', exitCode: 0, oomKilled: false, pidsLimitHit: false, stdoutTruncated: false, stderrTruncated: false };
  }
}

const withRunsc = engineRuntimesFrom({
  DefaultRuntime: 'runc',
  Runtimes: {
    runc: { path: 'runc' },
    runsc: { path: '/usr/bin/runsc', runtimeArgs: ['--platform=ptrace', '--network=none'] },
    'runsc-hostnet': { path: '/usr/bin/runsc', runtimeArgs: ['--platform=ptrace', '--network=host'] },
  },
});
const runcOnly = engineRuntimesFrom({ DefaultRuntime: 'runc', Runtimes: { runc: { path: 'runc' } } });

function executorFor(runner: RunsContainers, policyYaml: string, engineRuntimes: EngineRuntimes): TaskExecutor {
  return new TaskExecutor({
    runner,
    tools: webTools(),
    workerId: 'worker-r',
    outputCapBytes: 4096,
    cancelGraceMs: 100,
    defaultRuntime: 'runc',
    policy: { current: parsePolicy(policyYaml, 'test.yaml') },
    audit: { append: async () => undefined },
    engineRuntimes,
  });
}

/** A tool on a network, like the web tools (which also need the worker's egress proxy: not wanted here). */
function webTools(): ToolRegistry {
  const tools = new ToolRegistry();
  tools.register(defineCustomTool({ type: 'fetch_url', description: 'a tool on a network', image: 'img', network: 'bridge', argv: () => ['true'] }));
  return tools;
}

const fetchTask = Task.fromPartial({ toolType: 'fetch_url', params: { $case: 'custom', custom: { values: {} } } });

describe('TaskExecutor: runtimes the policy forces', () => {
  it('a web tool forced under a network-less runsc is refused clearly, before any container', async () => {
    const runner = new RecordingRunner();
    const outcome = await executorFor(runner, 'mode: strict\nruntimes:\n  all: runsc\n', withRunsc).run('t1', fetchTask);
    assert.equal(outcome.state, 'FAILED');
    assert.equal(outcome.error?.code, 'POLICY_DENIED');
    assert.match(outcome.error?.message ?? '', /forces a runtime .*runtime runsc is registered with --network=none, so fetch_url \(network bridge\) would have no network/);
    assert.equal(runner.specs.length, 0);
  });

  it('a runtime the engine does not have is refused clearly, before any container', async () => {
    const runner = new RecordingRunner();
    const outcome = await executorFor(runner, 'mode: strict\nruntimes:\n  all: runsc\n', runcOnly).run('t2', fetchTask);
    assert.equal(outcome.error?.code, 'POLICY_DENIED');
    assert.match(outcome.error?.message ?? '', /runtime runsc is not registered with the Docker engine \(it has runc;/);
    assert.equal(runner.specs.length, 0);
  });

  it('a forced runtime with a network runs the web tool under it', async () => {
    const runner = new RecordingRunner();
    const outcome = await executorFor(runner, 'mode: strict\nruntimes:\n  all: runsc-hostnet\n', withRunsc).run('t3', fetchTask);
    assert.equal(outcome.state, 'COMPLETED', outcome.error?.message);
    assert.equal(outcome.runtime, 'runsc-hostnet');
    assert.equal(runner.specs[0]?.runtime, 'runsc-hostnet');
  });
});
