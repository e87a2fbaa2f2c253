export { buildCreateOptions } from './build-create-options.js';
export { LABELS, MANAGED_BY, taskContainerLabels } from './container-labels.js';
export { ContainerReaper, type ContainerReaperOptions, type ReapedContainer } from './container-reaper.js';
export { isOrphanContainer, type OrphanCheck, type OrphanReason } from './is-orphan-container.js';
export { parsePidsEvents, pidsEventsPaths, watchPidsLimit } from './pids-limit-watch.js';
export { ContainerRunner, type ContainerRunnerOptions, type RunOptions, type RunsContainers } from './container-runner.js';
export { TMPFS_BYTES, type ContainerSpec } from './container-spec.js';
export { DockerEngine } from './docker-engine.js';
export { graceOf, type OutputStreamName, type RunEvent, type StopGrace } from './run-event.js';
