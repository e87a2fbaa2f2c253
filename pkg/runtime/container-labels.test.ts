import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABELS, MANAGED_BY, taskContainerLabels } from './container-labels.js';

describe('taskContainerLabels', () => {
  it('labels the container with who manages it, the worker, the task and the tool', () => {
    assert.deepEqual(taskContainerLabels({ workerId: 'w-1', taskId: 't-1', tool: 'file_read' }), {
      'io.baaaht.managed-by': 'baaaht-worker',
      'io.baaaht.worker-id': 'w-1',
      'io.baaaht.task-id': 't-1',
      'io.baaaht.tool': 'file_read',
    });
    assert.equal(MANAGED_BY, 'baaaht-worker');
    assert.equal(LABELS.managedBy, 'io.baaaht.managed-by');
  });

  it('cuts each value to 256 characters', () => {
    const long = 'x'.repeat(300);
    const labels = taskContainerLabels({ workerId: long, taskId: `${'t'.repeat(256)}END`, tool: 'y'.repeat(256) });
    assert.equal(labels[LABELS.workerId], 'x'.repeat(256));
    assert.equal(labels[LABELS.taskId], 't'.repeat(256));
    assert.equal(labels[LABELS.tool], 'y'.repeat(256));
    assert.equal(labels[LABELS.managedBy], MANAGED_BY);
  });

  it('keeps empty values empty', () => {
    const labels = taskContainerLabels({ workerId: '', taskId: '', tool: '' });
    assert.equal(labels[LABELS.taskId], '');
  });
});
