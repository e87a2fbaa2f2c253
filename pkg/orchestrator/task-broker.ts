import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import {
  OutputStream,
  TaskState,
  type OrchestratorMessage,
  type Task,
  type TaskEvent,
  type TaskResult,
  type WorkerInfo,
  type WorkerMessage,
} from '../gen/agent/v1/agent.js';
import type { ResultStore } from './result-store.js';
import { selectWorker } from './select-worker.js';
import {
  assembleResult,
  createTaskRecord,
  orchestratorOutcome,
  workerOutcome,
  type TaskOutcome,
  type TaskRecord,
} from './task-record.js';
import { isBuiltinTool, validateTask } from './validate-task.js';
import {
  createWorkerRecord,
  toWorkerCandidate,
  toWorkerInfo,
  type WorkerRecord,
  type WorkerRegistration,
} from './worker-record.js';

export interface TaskBrokerOptions {
  readonly logger: Logger;
  readonly resultStore: ResultStore;
  /** A worker whose last heartbeat is older than this is removed by `expireWorkers()`. */
  readonly workerTimeoutMs: number;
  /** Per stream, per task: what the orchestrator assembles for the result. */
  readonly outputCapBytes: number;
  /** Output queued for one client that has not read it yet (see task-subscriber.ts). */
  readonly subscriberBufferBytes: number;
  /** Largest encoded task forwarded to a worker. */
  readonly maxTaskBytes: number;
  readonly now: () => number;
}

/** One TaskStream of a worker, from its `hello` until it ends. */
export interface WorkerSession {
  readonly worker: WorkerRecord;
  /**
   * The commands to send on this stream. Ends normally when the session is replaced by a newer
   * stream or the worker is removed; throws the call's abort reason when the call is cancelled.
   */
  commands(callSignal: AbortSignal): AsyncGenerator<OrchestratorMessage, void, undefined>;
  /** A message from the worker on this stream. */
  receive(message: WorkerMessage): void;
  /** The stream ended or failed. If it was still the worker's current stream, its tasks are lost. */
  close(reason: string): void;
}

export interface SubmittedTask {
  readonly taskId: string;
  /** `submitted`, then `running`, `output`..., then `result`; ends after the result. */
  events(signal: AbortSignal): AsyncGenerator<TaskEvent, void, undefined>;
}

/**
 * The orchestrator's state: registered workers, tasks in flight, the FIFO queue of tasks
 * waiting for a worker, and dispatch. Everything here is synchronous and single-threaded;
 * the gRPC handlers only convert between the wire and these calls.
 */
export interface TaskBroker {
  registerWorker(registration: WorkerRegistration): { agentId: string };
  /** False when the agent id is unknown. */
  unregisterWorker(agentId: string, reason: string): boolean;
  /** False when the agent id is unknown. */
  heartbeat(agentId: string, activeTaskIds: readonly string[]): boolean;
  /** Opens a TaskStream session (replacing an older one); undefined for an unknown agent id. */
  openSession(agentId: string): WorkerSession | undefined;
  submit(task: Task, target: string): SubmittedTask;
  /** False when the task is unknown or already finished. */
  cancel(taskId: string, options: { force: boolean; reason: string }): boolean;
  listWorkers(): WorkerInfo[];
  /** A finished task's result while it is retained. */
  getResult(taskId: string): TaskResult | undefined;
  /** Removes workers whose heartbeat is too old (their tasks fail WORKER_LOST). */
  expireWorkers(): void;
  /** Cancels every unfinished task, asks workers to stop them, and ends every worker stream. */
  shutdown(reason: string): void;
}

export function createTaskBroker(options: TaskBrokerOptions): TaskBroker {
  const { logger, resultStore, now } = options;
  const workers = new Map<string, WorkerRecord>();
  const tasks = new Map<string, TaskRecord>();
  /** Tasks waiting for a worker, oldest first. */
  let queue: TaskRecord[] = [];
  let closed = false;

  const event = (taskId: string, e: TaskEvent['event']): TaskEvent => ({ taskId, event: e });

  function finish(record: TaskRecord, outcome: TaskOutcome): void {
    if (record.phase === 'finished') return;
    const result = assembleResult(record, outcome);
    record.phase = 'finished';
    tasks.delete(record.taskId);
    queue = queue.filter((r) => r !== record);
    const freedSlot = record.worker?.tasks.delete(record.taskId) ?? false;
    record.subscriber.send(event(record.taskId, { $case: 'result', result }));
    record.subscriber.end();
    resultStore.add(record.taskId, result);
    logger.debug('task finished', {
      taskId: record.taskId,
      toolType: record.task.toolType,
      state: TaskState[result.state],
      errorCode: result.error?.code,
      worker: result.worker,
    });
    if (freedSlot) dispatchQueued();
  }

  function assign(record: TaskRecord, worker: WorkerRecord): void {
    record.phase = 'assigned';
    record.worker = worker;
    record.assignedAtMs = now();
    worker.tasks.add(record.taskId);
    worker.commands.push({ taskId: record.taskId, command: { $case: 'assign', assign: { task: record.task } } });
    logger.debug('task assigned', { taskId: record.taskId, toolType: record.task.toolType, worker: worker.name });
  }

  /** Dispatches, fails or keeps a queued task. Returns whether it left the queue. */
  function place(record: TaskRecord): 'dispatched' | 'failed' | 'waiting' {
    const choice = selectWorker([...workers.values()].map(toWorkerCandidate), {
      toolType: record.task.toolType,
      builtin: record.builtin,
      target: record.target,
    });
    switch (choice.kind) {
      case 'dispatch':
        assign(record, workers.get(choice.agentId)!);
        return 'dispatched';
      case 'fail':
        finish(record, orchestratorOutcome(choice.error));
        return 'failed';
      case 'wait':
        return 'waiting';
    }
  }

  let dispatching = false;
  /** Goes through the queue in order; each task that can be placed now leaves it. */
  function dispatchQueued(): void {
    if (dispatching || closed) return; // finish() inside place() re-enters; the running pass covers it
    dispatching = true;
    try {
      for (const record of [...queue]) {
        if (record.phase !== 'queued') continue;
        if (place(record) !== 'waiting') queue = queue.filter((r) => r !== record);
      }
    } finally {
      dispatching = false;
    }
  }

  function loseTasks(worker: WorkerRecord, why: string): void {
    for (const taskId of [...worker.tasks]) {
      const record = tasks.get(taskId);
      if (!record) continue;
      const ranForMs = record.assignedAtMs === undefined ? 0 : now() - record.assignedAtMs;
      finish(record, orchestratorOutcome({ code: 'WORKER_LOST', message: `worker ${worker.name} was lost: ${why}` }, ranForMs));
    }
    worker.tasks.clear();
  }

  function removeWorker(worker: WorkerRecord, why: string): void {
    if (workers.get(worker.agentId) !== worker) return;
    workers.delete(worker.agentId);
    worker.commands.clear();
    worker.commands.end();
    worker.stream?.abort();
    worker.stream = undefined;
    logger.info('worker removed', { agentId: worker.agentId, worker: worker.name, reason: why, lostTasks: worker.tasks.size });
    loseTasks(worker, why);
    // Queued tasks no remaining worker can serve fail now instead of waiting forever.
    dispatchQueued();
  }

  function receive(worker: WorkerRecord, message: WorkerMessage): void {
    if (workers.get(worker.agentId) !== worker || message.event === undefined) return;
    const record = tasks.get(message.taskId);
    if (record === undefined || record.worker !== worker) {
      if (message.event.$case !== 'hello') {
        logger.debug('message for a task this worker does not hold', {
          worker: worker.name,
          taskId: message.taskId,
          event: message.event.$case,
        });
      }
      return;
    }
    const e = message.event;
    switch (e.$case) {
      case 'hello':
      case 'accepted':
        return;
      case 'running':
        record.phase = 'running';
        record.subscriber.send(event(record.taskId, { $case: 'running', running: e.running }));
        return;
      case 'output': {
        const { stream, data } = e.output;
        const buffer =
          stream === OutputStream.OUTPUT_STREAM_STDOUT
            ? record.stdout
            : stream === OutputStream.OUTPUT_STREAM_STDERR
              ? record.stderr
              : undefined;
        if (buffer === undefined) return;
        const kept = buffer.append(data);
        if (kept.length > 0) {
          record.subscriber.send(event(record.taskId, { $case: 'output', output: { stream, data: kept } }));
        }
        return;
      }
      case 'completed':
        finish(record, workerOutcome(e.completed));
        return;
    }
  }

  function createSession(worker: WorkerRecord): WorkerSession {
    const stream = new AbortController();
    worker.stream = stream;
    return {
      worker,
      async *commands(callSignal) {
        const signal = AbortSignal.any([callSignal, stream.signal]);
        try {
          yield* worker.commands.consume(signal);
        } catch (error) {
          // Replaced by a newer stream, or the worker was removed: end this stream normally.
          if (stream.signal.aborted && !callSignal.aborted) return;
          throw error;
        }
      },
      receive(message) {
        receive(worker, message);
      },
      close(reason) {
        // Replaced by a newer stream, or the worker was removed (its tasks were handled then).
        if (worker.stream !== stream || workers.get(worker.agentId) !== worker) return;
        worker.stream = undefined;
        stream.abort();
        logger.warn('worker task stream ended', { agentId: worker.agentId, worker: worker.name, reason, lostTasks: worker.tasks.size });
        worker.commands.clear();
        loseTasks(worker, `its task stream ended (${reason})`);
      },
    };
  }

  return {
    registerWorker(input) {
      const agentId = randomUUID();
      const name = input.name !== '' ? input.name : input.hostname !== '' ? input.hostname : agentId;
      const registration = { ...input, name };
      workers.set(agentId, createWorkerRecord(agentId, registration, now()));
      logger.info('worker registered', {
        agentId,
        worker: registration.name,
        hostname: registration.hostname,
        toolTypes: registration.capabilities.toolTypes,
        maxConcurrentTasks: registration.capabilities.maxConcurrentTasks,
      });
      return { agentId };
    },

    unregisterWorker(agentId, reason) {
      const worker = workers.get(agentId);
      if (!worker) return false;
      removeWorker(worker, `unregistered${reason === '' ? '' : `: ${reason}`}`);
      return true;
    },

    heartbeat(agentId, activeTaskIds) {
      const worker = workers.get(agentId);
      if (!worker) return false;
      worker.lastHeartbeatMs = now();
      worker.reportedTaskIds = [...activeTaskIds];
      return true;
    },

    openSession(agentId) {
      const worker = workers.get(agentId);
      if (!worker || closed) return undefined;
      if (worker.stream) logger.info('worker task stream replaced by a new one', { agentId, worker: worker.name });
      worker.stream?.abort();
      const session = createSession(worker);
      worker.lastHeartbeatMs = now();
      logger.info('worker connected', { agentId, worker: worker.name });
      dispatchQueued();
      return session;
    },

    submit(task, target) {
      const taskId = randomUUID();
      const builtin = isBuiltinTool(task.toolType);
      const record = createTaskRecord({
        taskId,
        task,
        target,
        builtin,
        outputCapBytes: options.outputCapBytes,
        subscriberBufferBytes: options.subscriberBufferBytes,
      });
      tasks.set(taskId, record);
      const invalid = closed
        ? { code: 'NO_WORKER', message: 'the orchestrator is shutting down' }
        : validateTask(task, { maxTaskBytes: options.maxTaskBytes });
      // `submitted` goes first; when the task is placed at once its worker is known.
      const submitted = (worker: string): void =>
        record.subscriber.send(event(taskId, { $case: 'submitted', submitted: { worker } }));
      if (invalid) {
        submitted('');
        finish(record, orchestratorOutcome(invalid));
      } else {
        const choice = selectWorker([...workers.values()].map(toWorkerCandidate), {
          toolType: task.toolType,
          builtin,
          target,
        });
        if (choice.kind === 'dispatch') {
          const worker = workers.get(choice.agentId)!;
          submitted(worker.name);
          assign(record, worker);
        } else if (choice.kind === 'fail') {
          submitted('');
          finish(record, orchestratorOutcome(choice.error));
        } else {
          submitted('');
          queue.push(record);
          logger.debug('task queued', { taskId, toolType: task.toolType, queued: queue.length });
        }
      }
      return { taskId, events: (signal) => record.subscriber.events(signal) };
    },

    cancel(taskId, { force, reason }) {
      const record = tasks.get(taskId);
      if (!record || record.phase === 'finished') return false;
      if (record.phase === 'queued') {
        finish(record, orchestratorOutcome({ code: 'CANCELLED', message: `cancelled before it started: ${reason}` }, 0, TaskState.TASK_STATE_CANCELLED));
        return true;
      }
      // The worker stops it and reports a CANCELLED result, which finishes the task.
      record.worker?.commands.push({ taskId, command: { $case: 'cancel', cancel: { force, reason } } });
      logger.debug('task cancel sent to worker', { taskId, worker: record.worker?.name, force, reason });
      return true;
    },

    listWorkers() {
      return [...workers.values()].map(toWorkerInfo);
    },

    getResult(taskId) {
      return resultStore.get(taskId);
    },

    expireWorkers() {
      const oldest = now() - options.workerTimeoutMs;
      for (const worker of [...workers.values()]) {
        if (worker.lastHeartbeatMs < oldest) {
          removeWorker(worker, `no heartbeat for more than ${options.workerTimeoutMs} ms`);
        }
      }
      resultStore.prune();
    },

    shutdown(reason) {
      closed = true;
      for (const record of [...tasks.values()]) {
        if (record.worker) {
          record.worker.commands.push({
            taskId: record.taskId,
            command: { $case: 'cancel', cancel: { force: true, reason } },
          });
        }
        finish(record, orchestratorOutcome({ code: 'CANCELLED', message: reason }, 0, TaskState.TASK_STATE_CANCELLED));
      }
      for (const worker of workers.values()) {
        worker.commands.end(); // its stream sends the cancels above, then ends normally
      }
      workers.clear();
    },
  };
}
