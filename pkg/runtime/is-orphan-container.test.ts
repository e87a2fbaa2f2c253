import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABELS, MANAGED_BY } from './container-labels.js';
import { isOrphanContainer, type OrphanCheck } from './is-orphan-container.js';

const NOW = 1_000_000;
const check: OrphanCheck = { workerId: 'w1', bootId: 'boot-2', nowMs: NOW, deadlineMarginMs: 10_000, activeTaskIds: new Set(['running']) };

function labels(over: Partial<Record<keyof typeof LABELS, string>> = {}): Record<string, string> {
  const base = { managedBy: MANAGED_BY, workerId: 'w1', bootId: 'boot-2', taskId: 'running', tool: 'grep', deadline: String(NOW + 5000), ...over };
  return Object.fromEntries(Object.entries(base).map(([key, value]) => [LABELS[key as keyof typeof LABELS], value]));
}

describe('isOrphanContainer', () => {
  const cases: Array<[string, Record<string, string>, string | undefined]> = [
    ['a running task of this boot', labels(), undefined],
    ['not managed by baaaht', { ...labels(), [LABELS.managedBy]: 'someone-else' }, undefined],
    ['no labels at all', {}, undefined],
    ['this worker, an earlier boot', labels({ bootId: 'boot-1' }), 'previous-boot'],
    ['this worker, an earlier boot, even within its deadline', labels({ bootId: 'boot-1', deadline: String(NOW + 60_000) }), 'previous-boot'],
    ['another worker, within its deadline', labels({ workerId: 'w2', bootId: 'x', taskId: 't' }), undefined],
    ['another worker, past deadline but within the margin', labels({ workerId: 'w2', taskId: 't', deadline: String(NOW - 5000) }), undefined],
    ['another worker, past deadline and margin', labels({ workerId: 'w2', taskId: 't', deadline: String(NOW - 20_000) }), 'past-deadline'],
    ['this boot, past deadline and margin, task still running here', labels({ deadline: String(NOW - 20_000) }), undefined],
    ['this boot, past deadline and margin, task gone', labels({ taskId: 'gone', deadline: String(NOW - 20_000) }), 'past-deadline'],
    ['this boot, task no longer running here', labels({ taskId: 'gone' }), 'not-running-here'],
    ['deadline label unreadable: judged by the other rules', labels({ workerId: 'w2', deadline: 'soon' }), undefined],
  ];
  for (const [name, containerLabels, expected] of cases) {
    it(`${name} → ${expected ?? 'kept'}`, () => {
      assert.equal(isOrphanContainer(containerLabels, check), expected);
    });
  }
});

describe('isOrphanContainer: warm pool containers', () => {
  const pool = (over: Record<string, string> = {}): Record<string, string> => ({
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.workerId]: 'w1',
    [LABELS.bootId]: 'boot-2',
    [LABELS.poolSlot]: 'slot-a',
    [LABELS.deadline]: String(NOW + 5000),
    ...over,
  });
  const withPool: OrphanCheck = { ...check, livePoolSlots: new Set(['slot-a']) };
  const cases: Array<[string, Record<string, string>, OrphanCheck, string | undefined]> = [
    ['held by this boot\'s pool', pool(), withPool, undefined],
    ['held, past deadline and margin (its task still runs)', pool({ [LABELS.deadline]: String(NOW - 20_000) }), withPool, undefined],
    ['this boot, no longer held by the pool', pool({ [LABELS.poolSlot]: 'slot-gone' }), withPool, 'not-running-here'],
    ['this boot, not held, past deadline and margin', pool({ [LABELS.poolSlot]: 'slot-gone', [LABELS.deadline]: String(NOW - 20_000) }), withPool, 'past-deadline'],
    ['an earlier boot (the worker crashed), even if its slot name is held', pool({ [LABELS.bootId]: 'boot-1' }), withPool, 'previous-boot'],
    ['another worker\'s, within its deadline', pool({ [LABELS.workerId]: 'w2' }), withPool, undefined],
    ['another worker\'s, same slot name, past deadline and margin', pool({ [LABELS.workerId]: 'w2', [LABELS.deadline]: String(NOW - 20_000) }), withPool, 'past-deadline'],
    ['this boot, the reaper knows no pool: kept to its deadline', pool(), check, undefined],
    ['this boot, the reaper knows no pool, past deadline and margin', pool({ [LABELS.deadline]: String(NOW - 20_000) }), check, 'past-deadline'],
    ['not a task container: no task id needed to be kept', pool(), { ...withPool, activeTaskIds: new Set() }, undefined],
  ];
  for (const [name, containerLabels, against, expected] of cases) {
    it(`${name} → ${expected ?? 'kept'}`, () => {
      assert.equal(isOrphanContainer(containerLabels, against), expected);
    });
  }
});
