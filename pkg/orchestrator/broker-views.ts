import { TaskState, type TaskResult, type TaskSummary, type WorkerInfo } from '../gen/agent/v1/agent.js';
import type { BrokerState } from './broker-state.js';
import { holderName, isLeased, phaseState } from './broker-task.js';
import type { StoredTask } from './task-store.js';
import { toWorkerInfo } from './worker-record.js';

/** GetTask's view of a task. */
export interface TaskView {
  readonly taskId: string;
  readonly state: TaskState;
  /** Set once the task finished. */
  readonly result: TaskResult | undefined;
  /** The worker holding the lease (or that ran it); empty while queued. */
  readonly worker: string;
  /** The current or last attempt (0: never assigned). */
  readonly attempt: number;
  readonly toolType: string;
}

/** What the broker answers about its workers and tasks (ListWorkers, GetTask, ListTasks); reads only. */
export interface BrokerViews {
  listWorkers(): WorkerInfo[];
  /** The group a registered worker is in; undefined for an unknown agent id. */
  workerGroup(agentId: string): string | undefined;
  /** The owner of an unfinished task, or of a finished one while its result is retained; undefined otherwise. */
  ownerOf(taskId: string): string | undefined;
  /**
   * Every unfinished task in submission order, then up to `recentFinished` finished ones, newest
   * first; only `owner`'s tasks when it is given.
   */
  listTasks(recentFinished: number, owner?: string): TaskSummary[];
  /** An unfinished task, or a finished one while its result is retained. */
  getTask(taskId: string): TaskView | undefined;
  /** A finished task's result while it is retained. */
  getResult(taskId: string): TaskResult | undefined;
}

type SummaryRow = Pick<StoredTask, 'taskId' | 'toolType' | 'placement' | 'submittedAtMs' | 'attempt'>;

function summary(row: SummaryRow, state: TaskState, worker: string, finishedAtMs: number, cause: string): TaskSummary {
  return {
    taskId: row.taskId,
    toolType: row.toolType,
    state,
    worker,
    attempt: row.attempt,
    submittedAtMs: row.submittedAtMs,
    finishedAtMs,
    targetWorker: row.placement.worker,
    group: row.placement.group,
    labels: { ...row.placement.labels },
    cause,
  };
}

export function createBrokerViews(state: BrokerState): BrokerViews {
  const { store, now, ledger } = state;

  /** A finished task's stored row while its result is retained. */
  function retained(taskId: string): StoredTask | undefined {
    if (state.closed) return undefined;
    const row = store.get(taskId);
    if (row?.state !== 'finished' || row.result === undefined) return undefined;
    if ((row.finishedAtMs ?? 0) <= now() - state.options.retention.retentionMs) return undefined;
    return row;
  }

  return {
    listWorkers() {
      return [...state.workers.values()].map(toWorkerInfo);
    },

    workerGroup(agentId) {
      return state.workers.get(agentId)?.registration.group;
    },

    ownerOf(taskId) {
      return ledger.ownerOf(taskId) ?? retained(taskId)?.owner;
    },

    listTasks(recentFinished, owner) {
      const open = [...state.tasks.values()]
        .filter((r) => owner === undefined || ledger.ownerOf(r.taskId) === owner)
        .sort((a, b) => a.seq - b.seq)
        .map((r) => summary({ ...r, toolType: r.task.toolType }, phaseState(r.phase), isLeased(r) ? holderName(r) : '', 0, ''));
      const finished = state.closed || recentFinished <= 0 ? [] : store.recentFinished(recentFinished, owner);
      return [
        ...open,
        ...finished.map((row) =>
          summary(row, row.result?.state ?? TaskState.TASK_STATE_UNSPECIFIED, row.result?.worker ?? row.worker, row.finishedAtMs ?? 0, row.result?.cause ?? ''),
        ),
      ];
    },

    getTask(taskId) {
      const task = state.tasks.get(taskId);
      if (task) {
        return {
          taskId,
          state: phaseState(task.phase),
          result: undefined,
          worker: isLeased(task) ? holderName(task) : '',
          attempt: task.attempt,
          toolType: task.task.toolType,
        };
      }
      const row = retained(taskId);
      if (!row?.result) return undefined;
      return { taskId, state: row.result.state, result: row.result, worker: row.result.worker, attempt: row.attempt, toolType: row.toolType };
    },

    getResult(taskId) {
      return retained(taskId)?.result;
    },
  };
}
