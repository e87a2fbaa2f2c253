/** Every label the worker puts on a container, defined in one place. */
export const LABELS = {
  managedBy: 'io.baaaht.managed-by',
  workerId: 'io.baaaht.worker-id',
  taskId: 'io.baaaht.task-id',
  tool: 'io.baaaht.tool',
} as const;

export const MANAGED_BY = 'baaaht-worker';

const MAX_LABEL_VALUE = 256;

/** Labels of one task's container. Values come from the wire, so they are cut to a sane length. */
export function taskContainerLabels(input: {
  workerId: string;
  taskId: string;
  tool: string;
}): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.workerId]: input.workerId.slice(0, MAX_LABEL_VALUE),
    [LABELS.taskId]: input.taskId.slice(0, MAX_LABEL_VALUE),
    [LABELS.tool]: input.tool.slice(0, MAX_LABEL_VALUE),
  };
}
