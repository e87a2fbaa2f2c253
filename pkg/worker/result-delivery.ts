import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskResult, WorkerMessage } from '../gen/agent/v1/agent.js';
import { wireState } from '../protocol/index.js';
import type { AssignedTask } from './assigned-task.js';
import { describeError } from './describe-error.js';
import { wholeResultCut } from './message-limits.js';
import type { OutputStreamName } from './output-log.js';
import type { ResultSpool, SpooledResult } from './result-spool.js';
import type { RunOutcome } from './run-outcome.js';
import type { StreamSession } from './stream-session.js';
import type { ResultDropReason, WorkerMetrics } from './worker-metrics.js';

/** What delivery logs (a winston Logger is one). */
export interface DeliveryLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

export interface ResultDeliveryOptions {
  /** Results waiting for the orchestrator's ack (kept across outages and restarts). */
  readonly spool: ResultSpool;
  readonly logger: DeliveryLogger;
  /** The worker's name, in every result. */
  readonly workerName: string;
  /** The task stream open now, if any. */
  readonly session: () => StreamSession | undefined;
  /** Whether a task is still held by the assignments (its result is on its way: not resent). */
  readonly isAssigned: (taskId: string) => boolean;
  readonly metrics?: WorkerMetrics;
}

/** A result whose delivery failed this many times (a session died on it each time) is dropped. */
export const MAX_FAILED_DELIVERIES = 5;

/** What delivery needs to know of a finished assignment: `session` is where its output went out whole. */
export type FinishedAssignment = Pick<AssignedTask, 'taskId' | 'leaseEpoch' | 'attempt' | 'output' | 'session'>;

/**
 * Results, from a task's end to the orchestrator's ack: each is spooled (spool: memory, then
 * disk) until acknowledged, sent on the live session, and resent after every reconnect.
 */
export class ResultDelivery {
  constructor(private readonly options: ResultDeliveryOptions) {}

  /**
   * Spools the whole result until the orchestrator acks it, and sends it: without the output when
   * every chunk went out on the live session, whole otherwise (or on the next session).
   */
  async deliver(task: FinishedAssignment, outcome: RunOutcome): Promise<void> {
    if (task.output?.kept === false) {
      this.options.logger.warn('the output of a task could not be kept in the work dir: its result says output_not_kept, a resend carries no output', {
        taskId: task.taskId,
        error: describeError(task.output.notKeptError),
      });
    }
    const spooled: SpooledResult = { message: this.resultMessage(task, outcome), output: task.output };
    let kept = false;
    try {
      await this.options.spool.add(spooled.message, task.output);
      kept = true;
      await this.enforceLimits();
    } catch (error) {
      this.options.logger.error('could not store a result', { taskId: task.taskId, error: describeError(error) });
    }
    try {
      const session = this.options.session();
      if (!session) return; // delivered by resend() on the next session
      if (task.session === session.number) await session.send(spooled.message);
      else await this.deliverWhole(session, spooled);
    } finally {
      // Not kept (its disk refused it): sent this once at most, never again; its files go now,
      // not at the next start.
      if (!kept) await task.output?.remove().catch(() => undefined);
    }
  }

  /** Results from before this session (an outage, a restart) go out again, whole. */
  async resend(session: StreamSession): Promise<void> {
    try {
      for await (const spooled of this.options.spool.all()) {
        if (session.closed) return;
        if (this.options.isAssigned(spooled.message.taskId)) continue; // finishing right now: sent by deliver()
        await this.deliverWhole(session, spooled);
      }
    } catch (error) {
      this.options.logger.error('could not resend stored results', { error: describeError(error) });
    }
  }

  /**
   * The task of a result not yet acknowledged was assigned again under a newer lease: the result
   * is re-labelled to it (never one already acknowledged: that one is forgotten, and the task runs
   * again) and sent under it. Returns whether a result was adopted.
   */
  async adopt(taskId: string, leaseEpoch: number, attempt: number): Promise<boolean> {
    try {
      const spooled = await this.options.spool.relabel(taskId, leaseEpoch, attempt);
      if (spooled === undefined) return false;
      this.options.logger.warn('a finished task was assigned again under a newer lease: its result is sent under it, not run again', { taskId, leaseEpoch });
      const session = this.options.session();
      if (session) await this.deliverWhole(session, spooled);
      return true;
    } catch (error) {
      this.options.logger.error('could not send a result under its newer lease', { taskId, leaseEpoch, error: describeError(error) });
      return false;
    }
  }

  /** The orchestrator revoked the lease of a result waiting for its ack: dropped, never sent again. */
  async revoked(taskId: string, leaseEpoch: number): Promise<void> {
    if (await this.options.spool.drop(taskId, leaseEpoch)) {
      this.options.logger.warn('the orchestrator revoked the lease of a result waiting for its ack: dropped, not sent again', { taskId, leaseEpoch });
    }
  }

  /** The orchestrator's ResultAck: it has the result, or refused it for good; either way it is forgotten. */
  async ack(taskId: string, leaseEpoch: number, accepted: boolean): Promise<void> {
    this.options.session()?.acked(taskId, leaseEpoch);
    const known = await this.options.spool.ack(taskId, leaseEpoch);
    if (known && !accepted) {
      this.options.logger.warn('orchestrator refused a result (its lease was taken away)', { taskId, leaseEpoch });
    }
  }

  /**
   * The orchestrator failed a session's stream. The first result written on it and not
   * acknowledged is taken for the cause: it goes behind the others, so that one result the
   * orchestrator cannot take does not hold back the rest, and after MAX_FAILED_DELIVERIES it is
   * dropped. (A stream that fails for another reason costs that result one of its tries.)
   */
  async streamFailed(session: StreamSession): Promise<void> {
    const { spool, logger } = this.options;
    const suspect = session.firstUnacked((taskId, leaseEpoch) => spool.holds(taskId, leaseEpoch));
    if (suspect === undefined) return;
    const failures = spool.deliveryFailed(suspect.taskId, suspect.leaseEpoch);
    if (failures < MAX_FAILED_DELIVERIES) {
      logger.warn('the task stream failed after this result was sent: it is resent after the others', { ...suspect, failures });
      return;
    }
    await this.dropped(suspect.taskId, suspect.leaseEpoch, 'undeliverable', { failures });
  }

  /**
   * Keeps the waiting results within the spool's bounds (--max-unacked-results,
   * --max-unacked-bytes, --unacked-result-ttl): sweeps at once, then every quarter of the TTL
   * (between 1 s and 1 min), until `signal`; every result kept sweeps too.
   */
  async run(signal: AbortSignal): Promise<void> {
    const limits = this.options.spool.limits;
    if (limits === undefined) return;
    const everyMs = Math.min(60_000, Math.max(1_000, Math.floor(limits.ttlMs / 4)));
    while (!signal.aborted) {
      await this.enforceLimits().catch((error: unknown) => this.options.logger.warn('could not drop results past their bounds', { error: describeError(error) }));
      await sleep(everyMs, undefined, { signal }).catch(() => undefined);
    }
  }

  private async enforceLimits(): Promise<void> {
    for (const { taskId, leaseEpoch, reason } of this.options.spool.overLimits()) await this.dropped(taskId, leaseEpoch, reason);
  }

  /** Gives up on a result before its ack: logged and counted. */
  private async dropped(taskId: string, leaseEpoch: number, reason: ResultDropReason, detail: Record<string, number> = {}): Promise<void> {
    if (!(await this.options.spool.drop(taskId, leaseEpoch))) return;
    this.options.logger.warn('result dropped before the orchestrator acknowledged it: the task runs again once its lease is lost', { taskId, leaseEpoch, reason, ...detail });
    this.options.metrics?.resultDropped(reason);
  }

  /**
   * A spooled result whose output the orchestrator may have missed: its output again as chunks
   * from offset 0 (the orchestrator keeps what it lacks), then the result without output; to an
   * orchestrator that does not place chunks by offset, one message with the output inside, cut
   * to fit the message limit.
   */
  private async deliverWhole(session: StreamSession, { message, output }: SpooledResult): Promise<void> {
    const completed = message.event?.$case === 'completed' ? message.event.completed : undefined;
    if (completed === undefined || (output === undefined && !completed.outputIncluded)) {
      await session.send(message); // nothing ran: no output
      return;
    }
    if (output === undefined || completed.outputIncluded) {
      // Written by an older worker: the output inside.
      const lengths = { stdout: completed.stdout.length, stderr: completed.stderr.length };
      const read = (cut: Lengths): Output => ({ stdout: Buffer.from(completed.stdout.subarray(0, cut.stdout)), stderr: Buffer.from(completed.stderr.subarray(0, cut.stderr)) });
      await session.send(await this.wholeResult(session, message, completed, lengths, read));
      return;
    }
    const { taskId, leaseEpoch } = message;
    if (!session.outputOffsets) {
      const lengths = { stdout: output.length('stdout'), stderr: output.length('stderr') };
      await session.send(await this.wholeResult(session, message, completed, lengths, (cut) => output.heads(cut)));
      return;
    }
    for await (const chunk of output.chunks()) {
      if (session.closed) return; // the next session sends it all again
      await session.sendOutput(taskId, leaseEpoch, chunk);
    }
    await session.send(message);
  }

  /** The result with (the head of) its output inside, cut to fit the session's limit; a cut is logged and flagged. */
  private async wholeResult(
    session: StreamSession,
    message: WorkerMessage,
    completed: TaskResult,
    lengths: Lengths,
    read: (cut: Lengths) => Output | Promise<Output>,
  ): Promise<WorkerMessage> {
    const cut = wholeResultCut(withOutput(message, completed, EMPTY), lengths, session.maxMessageBytes);
    const output = await read(cut);
    if (cut.stdout >= lengths.stdout && cut.stderr >= lengths.stderr) return withOutput(message, completed, output);
    this.options.logger.warn('result output cut to fit the orchestrator\'s message limit (it does not take output as chunks)', {
      taskId: message.taskId,
      leaseEpoch: message.leaseEpoch,
      limitBytes: session.maxMessageBytes,
      stdoutBytes: lengths.stdout,
      stderrBytes: lengths.stderr,
      keptStdoutBytes: output.stdout.length,
      keptStderrBytes: output.stderr.length,
    });
    const truncated = {
      stdoutTruncated: completed.stdoutTruncated || cut.stdout < lengths.stdout,
      stderrTruncated: completed.stderrTruncated || cut.stderr < lengths.stderr,
    };
    return withOutput(message, { ...completed, ...truncated }, output);
  }

  /** The `completed` message, without the output (it went, or goes again, as chunks). */
  private resultMessage(task: FinishedAssignment, outcome: RunOutcome): WorkerMessage {
    return {
      taskId: task.taskId,
      leaseEpoch: task.leaseEpoch,
      event: {
        $case: 'completed',
        completed: {
          outputNotKept: task.output?.kept === false,
          state: wireState(outcome.state),
          exitCode: outcome.exitCode,
          stdout: Buffer.alloc(0),
          stderr: Buffer.alloc(0),
          stdoutTruncated: outcome.stdoutTruncated,
          stderrTruncated: outcome.stderrTruncated,
          durationMs: outcome.durationMs,
          error: outcome.error,
          worker: this.options.workerName,
          runtime: outcome.runtime,
          profile: outcome.profile,
          cause: outcome.cause,
          retryable: outcome.retryable,
          outputIncluded: false,
          attempt: task.attempt,
        },
      },
    };
  }
}

type Output = Readonly<Record<OutputStreamName, Buffer>>;
type Lengths = Readonly<Record<OutputStreamName, number>>;
const EMPTY: Output = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };

/** The result message with this output inside. */
function withOutput(message: WorkerMessage, completed: TaskResult, { stdout, stderr }: Output): WorkerMessage {
  return { ...message, event: { $case: 'completed', completed: { ...completed, stdout, stderr, outputIncluded: true } } };
}
