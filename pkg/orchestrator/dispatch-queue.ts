import { randomUUID } from 'node:crypto';
import type { Task, TaskEvent } from '../gen/agent/v1/agent.js';
import type { Placement } from '../placement/placement.js';
import { orchestratorOutcome } from './attempt-outcome.js';
import type { BrokerState } from './broker-state.js';
import type { BrokerTask } from './broker-task.js';
import { encodedTaskBytes } from './queue-ledger.js';
import { selectWorker, type WorkerChoice } from './select-worker.js';
import type { TaskLifecycle } from './task-lifecycle.js';
import { validateTask } from './validate-task.js';
import { toWorkerCandidate } from './worker-record.js';

export interface SubmittedTask {
  readonly taskId: string;
  /**
   * The task an earlier submission of the same owner made with the same idempotency key: nothing
   * new was made, and `events` has nothing (follow it by GetTask).
   */
  readonly existing?: boolean;
  /** `submitted`, then `running`, `output`..., then `result`; ends after the result. */
  events(signal: AbortSignal): AsyncGenerator<TaskEvent, void, undefined>;
}

/** What placing a task did: leased it to a worker, failed it (nobody can ever run it), or left it waiting. */
export type Placed = 'dispatched' | 'failed' | 'waiting';

/**
 * Placement and the queue of tasks waiting for a worker, in submission order. A submitted task
 * is placed at once when it can be; every later chance (a worker connects, heartbeats for the
 * first time, frees a slot, leaves; a task is re-queued; a hold is over) goes through the queue
 * in order. Both use one placement function (selectWorker, select-worker.ts).
 */
export interface DispatchQueue {
  /**
   * Stores and places (or queues) a task of `owner` (the client that submits it; default
   * NO_OWNER). With `follow: false` nobody reads its events (SubmitTask): they are not kept.
   * Not while shutting down. Throws QueueLimitError, storing nothing, past a queue limit. With an
   * `idempotencyKey` the owner used before, for a task still retained: that task (`existing`).
   */
  submit(task: Task, placement: Placement, options?: { follow?: boolean; owner?: string; idempotencyKey?: string }): SubmittedTask;
  /** Goes through the queue in order; each task that can be placed now leaves it. */
  dispatchQueued(): void;
  /**
   * Tasks whose hold ended by `nowMs` get their chance now: placed, or failed when nobody can run
   * them; so do re-queued tasks whose backoff ended.
   */
  releaseHolds(nowMs: number): void;
}

export function createDispatchQueue(state: BrokerState, lifecycle: TaskLifecycle): DispatchQueue {
  const { logger, store, now } = state;

  function choose(task: BrokerTask): WorkerChoice {
    // Agent ids (before a restart) of workers that held leases nobody has claimed since.
    const unclaimed = new Set([...state.orphans.values()].map((holder) => holder?.agentId));
    const candidates = [...state.workers.values()].map((w) => toWorkerCandidate(w, w.provenFormerId !== undefined && unclaimed.has(w.provenFormerId)));
    return selectWorker(candidates, {
      toolType: task.task.toolType,
      builtin: task.builtin,
      placement: task.placement,
      avoid: task.triedBy,
      waited: state.queue.includes(task) || task.attempt > 0,
    });
  }

  /**
   * Dispatches, fails or keeps a task. `announce` hears the chosen worker's name ('' for none)
   * before the choice is acted on: a submission's `submitted` event goes before anything else.
   */
  function place(task: BrokerTask, announce: (worker: string) => void = () => undefined): Placed {
    if (now() < task.notBeforeMs) return 'waiting'; // a retry's backoff (lease-rules.ts retryDelayMs)
    const choice = choose(task);
    switch (choice.kind) {
      case 'dispatch': {
        const worker = state.workers.get(choice.agentId)!;
        announce(worker.registration.name);
        return lifecycle.assign(task, worker) ? 'dispatched' : 'failed';
      }
      case 'fail':
        announce('');
        // Restored and re-queued tasks give workers time to (re)connect first.
        if (now() < task.holdUntilMs) return 'waiting';
        lifecycle.finishUnplaceable(task, choice.error);
        return task.phase === 'finished' ? 'failed' : 'waiting'; // not stored: it stays queued
      case 'wait':
        announce('');
        return 'waiting';
    }
  }

  let dispatching = false;
  function dispatchQueued(): void {
    if (dispatching || state.shuttingDown) return; // finish() inside place() re-enters; the running pass covers it
    dispatching = true;
    try {
      for (const task of [...state.queue]) {
        if (task.phase !== 'queued') continue;
        if (place(task) !== 'waiting') state.queue = state.queue.filter((r) => r !== task);
      }
    } finally {
      dispatching = false;
    }
  }

  return {
    submit(task, placement, options = {}) {
      if (state.shuttingDown) throw new Error('the orchestrator is shutting down');
      const owner = options.owner ?? '';
      const idempotencyKey = options.idempotencyKey ?? '';
      const earlier = store.taskWithKey(owner, idempotencyKey);
      if (earlier !== undefined) {
        logger.debug('idempotency key seen before: the earlier task', { taskId: earlier, owner });
        return { taskId: earlier, existing: true, events: async function* () {} };
      }
      const taskId = randomUUID();
      state.ledger.admit(taskId, owner, encodedTaskBytes(task));
      const submittedAtMs = now();
      let seq: number;
      try {
        seq = store.insert({ taskId, owner, task, placement, submittedAtMs, idempotencyKey });
      } catch (error) {
        state.ledger.remove(taskId);
        throw error;
      }
      const submitted = state.newTask({ taskId, seq, task, placement, submittedAtMs });
      if (options.follow === false) submitted.subscriber.end();
      state.tasks.set(taskId, submitted);
      state.observe((o) => o.taskSubmitted(submitted));
      // `submitted` goes first; when the task is placed at once its worker is known.
      const announce = (worker: string): void => void submitted.subscriber.send({ taskId, event: { $case: 'submitted', submitted: { worker } } });
      const invalid = validateTask(task, { maxTaskBytes: state.options.maxTaskBytes });
      if (invalid) {
        announce('');
        lifecycle.finish(submitted, state.result(submitted, orchestratorOutcome(invalid)), 0);
      } else if (place(submitted, announce) === 'waiting') {
        state.queue.push(submitted);
        logger.debug('task queued', { taskId, toolType: task.toolType, queued: state.queue.length });
      }
      return { taskId, events: (signal) => submitted.subscriber.events(signal) };
    },

    dispatchQueued,

    releaseHolds(t) {
      const holdsOver = state.queue.filter((r) => r.holdUntilMs !== 0 && r.holdUntilMs <= t);
      const backoffsOver = state.queue.filter((r) => r.notBeforeMs !== 0 && r.notBeforeMs <= t);
      if (holdsOver.length > 0 || backoffsOver.length > 0) {
        dispatchQueued();
        for (const task of holdsOver) task.holdUntilMs = 0;
        for (const task of backoffsOver) task.notBeforeMs = 0;
      }
    },
  };
}
