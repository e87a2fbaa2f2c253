import type { OrchestratorMessage, WorkerMessage } from '../gen/agent/v1/agent.js';
import { streamName } from '../protocol/index.js';
import { takeChunk } from './attempt-output.js';
import type { BrokerState } from './broker-state.js';
import { holdsLease } from './broker-task.js';
import type { DispatchQueue } from './dispatch-queue.js';
import type { TaskLifecycle } from './task-lifecycle.js';
import type { WorkerRecord } from './worker-record.js';

/** One TaskStream of a worker, from its `hello` until it ends. */
export interface WorkerSession {
  readonly worker: WorkerRecord;
  /**
   * The commands to send on this stream. Ends normally when the session is replaced by a newer
   * stream or the worker is removed; throws the call's abort reason when the call is cancelled.
   */
  commands(callSignal: AbortSignal): AsyncGenerator<OrchestratorMessage, void, undefined>;
  /**
   * A message from the worker on this stream. Returns a promise when a client following the
   * task is behind (back-pressure): read nothing more from the stream until it settles.
   */
  receive(message: WorkerMessage): Promise<void> | undefined;
  /** The stream ended or failed. The worker keeps its leases until their deadline: it may reconnect. */
  close(reason: string): void;
}

/**
 * Opens a TaskStream session for `agentId` (replacing an older one: pending cancels are sent
 * again on the new one); undefined for an unknown agent id or while shutting down.
 */
export function openWorkerSession(state: BrokerState, lifecycle: TaskLifecycle, dispatch: DispatchQueue, agentId: string): WorkerSession | undefined {
  const { logger, now } = state;
  const worker = state.workers.get(agentId);
  if (!worker || state.shuttingDown) return undefined;
  const name = worker.registration.name;
  if (worker.stream) logger.info('worker task stream replaced by a new one', { agentId, worker: name });
  worker.stream?.abort();
  const stream = new AbortController();
  worker.stream = stream;
  worker.lastHeartbeatMs = now();
  // Cancels may have been lost with the previous stream: send the pending ones again.
  for (const taskId of worker.tasks) {
    const task = state.tasks.get(taskId);
    if (task) lifecycle.pushCancel(worker, task);
  }
  logger.info('worker connected', { agentId, worker: name, bootId: worker.registration.bootId, leases: worker.tasks.size });
  dispatch.dispatchQueued();

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
      return receive(state, lifecycle, worker, message);
    },
    close(reason) {
      // Replaced by a newer stream, or the worker was removed (its leases were handled then).
      if (worker.stream !== stream || state.workers.get(worker.agentId) !== worker) return;
      worker.stream = undefined;
      stream.abort();
      logger.warn('worker task stream ended; its leases run until their deadline', {
        agentId: worker.agentId,
        worker: worker.registration.name,
        reason,
        leases: worker.tasks.size,
      });
    },
  };
}

/**
 * A message on `worker`'s stream: only its lease holder's messages about the lease in force
 * count (a result is always answered: refused, or acknowledged again when already stored).
 */
function receive(state: BrokerState, lifecycle: TaskLifecycle, worker: WorkerRecord, message: WorkerMessage): Promise<void> | undefined {
  if (state.closed || state.workers.get(worker.agentId) !== worker || message.event === undefined) return undefined;
  const e = message.event;
  if (e.$case === 'hello') return undefined;
  if (e.$case === 'completed') {
    lifecycle.acceptResult(worker, message.taskId, message.leaseEpoch, e.completed);
    return undefined;
  }
  const task = state.tasks.get(message.taskId);
  if (task === undefined || !holdsLease(task, message.leaseEpoch)) {
    state.logger.debug('message of a lease not in force dropped', {
      worker: worker.registration.name,
      taskId: message.taskId,
      leaseEpoch: message.leaseEpoch,
      event: e.$case,
    });
    return undefined;
  }
  if (!lifecycle.mayReport(task, worker, e.$case)) return undefined;
  if (e.$case === 'cancelReply') {
    lifecycle.cancelReplied(task, worker, e.cancelReply.outcome);
    return undefined;
  }
  lifecycle.claim(task, worker);
  switch (e.$case) {
    case 'accepted':
      return undefined;
    case 'running':
      task.phase = 'running';
      return task.subscriber.send({ taskId: task.taskId, event: { $case: 'running', running: e.running } });
    case 'output': {
      const { stream, offset } = e.output;
      const name = streamName(stream);
      if (name === undefined) return undefined;
      const data = takeChunk(task.output, name, e.output.data, offset);
      if (data === undefined) return undefined;
      return task.subscriber.send({ taskId: task.taskId, event: { $case: 'output', output: { stream, data } } });
    }
  }
}
