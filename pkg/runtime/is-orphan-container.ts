import { LABELS, MANAGED_BY } from './container-labels.js';

export interface OrphanCheck {
  /** This worker's id (its name) and the id of this boot of its process. */
  readonly workerId: string;
  readonly bootId: string;
  readonly nowMs: number;
  /** Time past a container's deadline before anyone's container counts as an orphan. */
  readonly deadlineMarginMs: number;
  /** Task ids this process is running now: their containers are never orphans. */
  readonly activeTaskIds: ReadonlySet<string>;
  /**
   * Warm pool slots this process holds now (warm, or running the task that claimed them): their
   * containers are never orphans. Absent (no pool): this boot's pool containers live to their deadline.
   */
  readonly livePoolSlots?: ReadonlySet<string>;
}

export type OrphanReason = 'previous-boot' | 'past-deadline' | 'not-running-here';

/**
 * Whether a container (by its labels) should be removed by the reaper, and why:
 * - this worker's container from an earlier boot of its process (it crashed or was killed);
 * - any managed container past its deadline by the margin (whoever started it);
 * - this boot's container whose task this process no longer runs (its removal failed earlier,
 *   e.g. while the engine was down).
 * Containers not managed by baaaht are never touched. A warm pool container (no task id, a pool
 * slot instead) is judged the same way by its slot: an earlier boot's, past its deadline, or this
 * boot's that the pool no longer holds.
 */
export function isOrphanContainer(labels: Readonly<Record<string, string>>, check: OrphanCheck): OrphanReason | undefined {
  if (labels[LABELS.managedBy] !== MANAGED_BY) return undefined;
  const mine = labels[LABELS.workerId] === check.workerId;
  const taskId = labels[LABELS.taskId] ?? '';
  if (mine && labels[LABELS.bootId] !== check.bootId) return 'previous-boot';
  const slot = labels[LABELS.poolSlot];
  if (slot !== undefined) return poolOrphan(slot, mine, Number(labels[LABELS.deadline]), check);
  const deadline = Number(labels[LABELS.deadline]);
  if (Number.isFinite(deadline) && check.nowMs > deadline + check.deadlineMarginMs) {
    return mine && check.activeTaskIds.has(taskId) ? undefined : 'past-deadline';
  }
  if (mine && !check.activeTaskIds.has(taskId)) return 'not-running-here';
  return undefined;
}

function poolOrphan(slot: string, mine: boolean, deadline: number, check: OrphanCheck): OrphanReason | undefined {
  const held = mine && check.livePoolSlots?.has(slot) === true;
  if (Number.isFinite(deadline) && check.nowMs > deadline + check.deadlineMarginMs) return held ? undefined : 'past-deadline';
  if (mine && check.livePoolSlots !== undefined && !held) return 'not-running-here';
  return undefined;
}
