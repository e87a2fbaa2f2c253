/** Every label the worker puts on a container, defined in one place. */
export const LABELS = {
  managedBy: 'io.baaaht.managed-by',
  workerId: 'io.baaaht.worker-id',
  /** New each start of the worker process: containers of an earlier boot are orphans. */
  bootId: 'io.baaaht.boot-id',
  taskId: 'io.baaaht.task-id',
  tool: 'io.baaaht.tool',
  /** Unix epoch milliseconds after which the task's container has no reason to exist. */
  deadline: 'io.baaaht.deadline',
  /**
   * On a warm pool container (created and started before its task; see WarmPool): its slot id,
   * which the pool of this boot holds while the container is warm or runs its one task.
   */
  poolSlot: 'io.baaaht.pool-slot',
  /** On a Docker network the worker created (the web tools' internal egress network): its purpose. */
  network: 'io.baaaht.network',
} as const;

export const MANAGED_BY = 'baaaht-worker';

const MAX_LABEL_VALUE = 256;

/** Labels of one task's container. Values come from the wire, so they are cut to a sane length. */
export function taskContainerLabels(input: {
  workerId: string;
  bootId: string;
  taskId: string;
  tool: string;
  deadlineMs: number;
}): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.workerId]: input.workerId.slice(0, MAX_LABEL_VALUE),
    [LABELS.bootId]: input.bootId.slice(0, MAX_LABEL_VALUE),
    [LABELS.taskId]: input.taskId.slice(0, MAX_LABEL_VALUE),
    [LABELS.tool]: input.tool.slice(0, MAX_LABEL_VALUE),
    [LABELS.deadline]: String(Math.round(input.deadlineMs)),
  };
}

/**
 * Labels of a warm pool container: no task yet, so its deadline covers the longest it may wait
 * warm plus the longest task that may claim it.
 */
export function poolContainerLabels(input: { workerId: string; bootId: string; slot: string; deadlineMs: number }): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.workerId]: input.workerId.slice(0, MAX_LABEL_VALUE),
    [LABELS.bootId]: input.bootId.slice(0, MAX_LABEL_VALUE),
    [LABELS.poolSlot]: input.slot.slice(0, MAX_LABEL_VALUE),
    [LABELS.deadline]: String(Math.round(input.deadlineMs)),
  };
}
