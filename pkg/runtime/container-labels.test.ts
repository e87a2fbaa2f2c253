import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABELS, MANAGED_BY, poolContainerLabels, taskContainerLabels } from './container-labels.js';

describe('taskContainerLabels', () => {
  it('labels the container with who manages it, the worker, the task and the tool', () => {
    assert.deepEqual(taskContainerLabels({ workerId: 'w-1', bootId: 'b-1', taskId: 't-1', tool: 'file_read', deadlineMs: 1234.4 }), {
      'io.baaaht.managed-by': 'baaaht-worker',
      'io.baaaht.worker-id': 'w-1',
      'io.baaaht.boot-id': 'b-1',
      'io.baaaht.task-id': 't-1',
      'io.baaaht.tool': 'file_read',
      'io.baaaht.deadline': '1234',
    });
    assert.equal(MANAGED_BY, 'baaaht-worker');
    assert.equal(LABELS.managedBy, 'io.baaaht.managed-by');
  });

  it('cuts each value to 256 characters', () => {
    const long = 'x'.repeat(300);
    const labels = taskContainerLabels({ workerId: long, bootId: long, taskId: `${'t'.repeat(256)}END`, tool: 'y'.repeat(256), deadlineMs: 0 });
    assert.equal(labels[LABELS.workerId], 'x'.repeat(256));
    assert.equal(labels[LABELS.bootId], 'x'.repeat(256));
    assert.equal(labels[LABELS.taskId], 't'.repeat(256));
    assert.equal(labels[LABELS.tool], 'y'.repeat(256));
    assert.equal(labels[LABELS.managedBy], MANAGED_BY);
  });

  it('keeps empty values empty', () => {
    const labels = taskContainerLabels({ workerId: '', bootId: '', taskId: '', tool: '', deadlineMs: 0 });
    assert.equal(labels[LABELS.taskId], '');
  });
});

describe('poolContainerLabels', () => {
  it('labels a warm pool container with its worker, boot, slot and deadline, and no task', () => {
    assert.deepEqual(poolContainerLabels({ workerId: 'w-1', bootId: 'b-1', slot: 'baaaht-warm-1', deadlineMs: 99.6 }), {
      'io.baaaht.managed-by': 'baaaht-worker',
      'io.baaaht.worker-id': 'w-1',
      'io.baaaht.boot-id': 'b-1',
      'io.baaaht.pool-slot': 'baaaht-warm-1',
      'io.baaaht.deadline': '100',
    });
  });
});
