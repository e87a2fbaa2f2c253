import { TaskState } from '../gen/agent/v1/agent.js';
import { isFinalTaskState, isKnownCause, taskStateName } from '../protocol/index.js';

/** The label value of everything a bounded label does not name itself. */
export const OTHER_LABEL = 'other';

/**
 * A label whose values come from outside (tool types clients submit, groups workers name) and
 * must stay few: values it was told of (`admit`, at most `max` of them besides `fixed`) are
 * their own label, anything else is `other`. A value once admitted stays: series do not move.
 */
export class BoundedLabel {
  private readonly known: Set<string>;
  private admitted = 0;

  constructor(
    private readonly max: number,
    fixed: readonly string[] = [],
    private readonly acceptable: (value: string) => boolean = () => true,
  ) {
    this.known = new Set(fixed);
  }

  /** Lets `value` be a label of its own, while there is room. */
  admit(value: string): void {
    if (this.known.has(value) || this.admitted >= this.max || value === OTHER_LABEL || !this.acceptable(value)) return;
    this.known.add(value);
    this.admitted += 1;
  }

  value(value: string): string {
    return this.known.has(value) ? value : OTHER_LABEL;
  }
}

/** A result's cause as a label: a termination cause (COMPLETED, NO_WORKER, ...) or `other` (a worker may send any text). */
export function causeLabel(cause: string): string {
  return isKnownCause(cause) ? cause : OTHER_LABEL;
}

/** A final state as a label: COMPLETED, FAILED, TIMEOUT, CANCELLED (UNSPECIFIED for anything else). */
export function stateLabel(state: TaskState): string {
  return isFinalTaskState(state) ? taskStateName(state) : 'UNSPECIFIED';
}
