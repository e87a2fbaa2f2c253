import { randomBytes } from 'node:crypto';
import { LABELS, type ContainerSpec } from '../pkg/runtime/index.js';

/** `spec` with a new task id and a deadline `lifetimeMs` from now on its labels (as each task of the worker gets). */
export function freshLabels(spec: ContainerSpec, lifetimeMs: number): ContainerSpec {
  return {
    ...spec,
    labels: {
      ...spec.labels,
      [LABELS.taskId]: `bench-${randomBytes(6).toString('hex')}`,
      [LABELS.deadline]: String(Date.now() + lifetimeMs),
    },
  };
}
