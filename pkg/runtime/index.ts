export { buildCreateOptions } from './build-create-options.js';
export { LABELS, MANAGED_BY, taskContainerLabels } from './container-labels.js';
export { ContainerRunner, type ContainerRunnerOptions, type RunOptions, type RunsContainers } from './container-runner.js';
export { TMPFS_BYTES, type ContainerSpec } from './container-spec.js';
export { DockerEngine } from './docker-engine.js';
export { graceOf, type OutputStreamName, type RunEvent, type StopGrace } from './run-event.js';
