import type { EngineRuntimes } from '../runtime/index.js';

/** What the check reads of a tool: its network and the runtime it asks for. */
export interface ToolRuntimeNeeds {
  readonly type: string;
  readonly network: string;
  /** Undefined means the engine's default. */
  readonly runtime?: string | undefined;
}

/**
 * Why a tool cannot run under the runtime it asks for on this engine, or undefined when it can:
 * the runtime is not registered with the engine, or it is registered without a network
 * (`runsc --network=none`) while the tool needs one. Pure: the worker does not offer such a tool
 * (and logs this), and refuses a task whose policy forces it.
 */
export function toolRuntimeProblem(tool: ToolRuntimeNeeds, runtimes: EngineRuntimes): string | undefined {
  const runtime = tool.runtime ?? runtimes.default;
  if (!runtimes.all.includes(runtime)) {
    return `runtime ${runtime} is not registered with the Docker engine (it has ${runtimes.all.join(', ')}; scripts/ensure-docker.sh registers runsc)`;
  }
  if (tool.network !== 'none' && runtimes.networkless.includes(runtime)) {
    return (
      `runtime ${runtime} is registered with --network=none, so ${tool.type} (network ${tool.network}) would have no network under it; ` +
      'give it a runtime with a network (e.g. runsc-hostnet, or runc)'
    );
  }
  return undefined;
}
