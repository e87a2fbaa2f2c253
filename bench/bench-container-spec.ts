import { randomBytes } from 'node:crypto';
import { loadWorkerConfig } from '../pkg/config/index.js';
import type { Task } from '../pkg/gen/agent/v1/agent.js';
import { evaluatePolicy, STRICT_DEFAULT_POLICY } from '../pkg/policy/index.js';
import { taskContainerLabels, type ContainerSpec } from '../pkg/runtime/index.js';
import { createBuiltinToolRegistry, WORKSPACE_DIR } from '../pkg/tools/index.js';
import { taskUserFor } from '../pkg/mounts/index.js';
import { resolveMount } from '../pkg/worker/resolve-mount.js';

/**
 * The ContainerSpec the worker builds for `task` (see TaskExecutor.run), built the same way: the
 * tool's invocation, the mount resolved and owned as the worker sees it, the strict default
 * policy's adjusted limits and runtime, the worker's default tool settings. `workerId` goes on
 * the labels (the bench's cleanup finds its containers by it). The bench's own workspace is its
 * mount root (as its owner), and it is bound by path, not pinned: the runner baselines measure
 * the engine, not the worker's pinning, which the worker benchmarks include.
 */
export async function benchContainerSpec(task: Pick<Task, 'toolType' | 'params'>, mountSource: string, workerId: string, bootId: string): Promise<ContainerSpec> {
  const config = loadWorkerConfig({ argv: [], env: {}, homeDir: '/nonexistent', hostname: 'bench' });
  const tool = createBuiltinToolRegistry(config.tools).get(task.toolType);
  if (tool === undefined) throw new Error(`no built-in tool ${task.toolType}`);
  const invocation = tool.buildInvocation(task.params);
  const resolved = await resolveMount(tool.type, tool.mount, mountSource, false);
  await resolved?.directory.close();
  const evaluation = evaluatePolicy(STRICT_DEFAULT_POLICY, {
    taskId: 'bench',
    toolType: tool.type,
    custom: false,
    image: tool.image,
    ...(tool.runtime === undefined ? {} : { runtime: tool.runtime }),
    ...(resolved ? { mount: { source: resolved.source, writable: resolved.writable } } : {}),
    limits: tool.limits,
    timeoutMs: tool.timeoutMs,
    outputCapBytes: config.outputCapBytes,
    protectedPaths: [],
    ...(resolved ? { mountRoots: [{ path: resolved.source, user: { kind: 'owner' as const } }] } : {}),
  });
  if (!evaluation.allowed) throw new Error(`the strict default policy refuses ${task.toolType}: ${evaluation.denial?.reason ?? ''}`);
  const { adjusted } = evaluation;
  return {
    image: tool.image,
    argv: invocation.argv,
    ...(invocation.env ? { env: invocation.env } : {}),
    workingDir: WORKSPACE_DIR,
    user: resolved ? taskUserFor(adjusted.mountUser ?? { kind: 'owner' }, resolved.directory) : '65534:65534',
    labels: taskContainerLabels({
      workerId,
      bootId,
      taskId: `bench-${randomBytes(6).toString('hex')}`,
      tool: tool.type,
      deadlineMs: Date.now() + adjusted.timeoutMs + 60_000,
    }),
    ...(resolved
      ? { mount: { source: resolved.source, target: WORKSPACE_DIR, writable: adjusted.writable, identity: resolved.directory.identity, origin: resolved.source } }
      : {}),
    network: tool.network,
    limits: adjusted.limits,
    ...(adjusted.runtime ? { runtime: adjusted.runtime } : {}),
  };
}
