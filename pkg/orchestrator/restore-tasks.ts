import type { BrokerState } from './broker-state.js';

/**
 * Takes up what the store holds when the broker starts: queued tasks wait in order, leased ones
 * wait for their worker to claim them (the holder the store names); both for up to the worker
 * timeout before they are run again or fail. Nobody follows a restored task (GetTask finds it).
 */
export function restoreTasks(state: BrokerState): void {
  const { store, now, logger } = state;
  const deadline = now() + state.workerTimeoutMs;
  let leasedCount = 0;
  for (const row of store.unfinished()) {
    const task = state.newTask(row);
    task.subscriber.end();
    task.attempt = row.attempt;
    task.leaseEpoch = row.leaseEpoch;
    task.workerName = row.worker;
    task.resultEpoch = row.resultEpoch;
    task.cancel = row.cancel;
    task.lastFailure = row.lastFailure;
    state.ledger.add(row.taskId, row.owner, row.taskBytes);
    if (row.state === 'assigned') {
      task.phase = 'assigned';
      task.leaseDeadlineMs = deadline;
      task.assignedAtMs = now();
      state.orphans.set(task, row.holder);
      leasedCount += 1;
    } else {
      task.holdUntilMs = deadline;
      state.queue.push(task);
    }
    state.tasks.set(task.taskId, task);
  }
  if (state.tasks.size > 0) {
    logger.info('tasks restored from the store', { store: store.location, queued: state.queue.length, leased: leasedCount });
  }
}
