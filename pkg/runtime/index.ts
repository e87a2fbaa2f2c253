export { buildCreateOptions } from './build-create-options.js';
export { checkIsolation, type InspectedConfinement } from './check-isolation.js';
export { LABELS, MANAGED_BY, poolContainerLabels, taskContainerLabels } from './container-labels.js';
export { ContainerReaper, type ContainerReaperOptions, type ReapedContainer } from './container-reaper.js';
export { isOrphanContainer, type OrphanCheck, type OrphanReason } from './is-orphan-container.js';
export { parsePidsEvents, pidsEventsPaths, watchPidsLimit } from './pids-limit-watch.js';
export {
  ContainerRunner,
  type ContainerRunnerOptions,
  type RunOptions,
  type RunsContainers,
  type StartedContainer,
} from './container-runner.js';
export { WarmPool } from './warm-pool.js';
export type { WarmKeyStats, WarmPoolLogger, WarmPoolOptions, WarmPoolStats } from './warm-pool-options.js';
export { isKeyInUse, planWarmStep, type WarmKeyState, type WarmPoolLimits, type WarmStep } from './plan-warm-pool.js';
export { describeWarmKey, warmKeySpec, warmPoolKey, type WarmKeySpec } from './warm-pool-key.js';
export { encodeShimHeader, WARM_SHIM_LABEL, WARM_SHIM_PATH, WARM_SHIM_PROTOCOL } from './warm-shim.js';
export { TMPFS_BYTES, type ContainerSpec } from './container-spec.js';
export { DockerEngine, type InternalNetwork } from './docker-engine.js';
export { enginePidsLimit, GVISOR_PIDS_BASE, GVISOR_PIDS_PER_PROCESS, isGvisorRuntime } from './engine-pids-limit.js';
export { engineNanoCpus, GVISOR_CPUS_BASE } from './engine-cpu-limit.js';
export { engineRuntimesFrom, type EngineRuntimes, type InfoRuntimes } from './engine-runtimes.js';
export { judgeContainerEnd, type ContainerEndFacts, type EngineEndReason, type EngineEnding } from './judge-container-end.js';
export { graceOf, type OutputStreamName, type RunEvent, type StopGrace } from './run-event.js';
