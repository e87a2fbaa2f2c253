import type { TaskRunning } from '../gen/agent/v1/agent.js';
import type { OutputCoalescer } from './output-coalescer.js';
import type { OutputLog } from './output-log.js';
import type { TaskRecordWriter } from './task-records.js';

/** One assignment this worker holds, from accept until its result is spooled. */
export interface AssignedTask {
  readonly taskId: string;
  /** The lease it runs under: a newer assignment of the same task is adopted (Assignments.adopt). */
  leaseEpoch: number;
  attempt: number;
  /** The task's tool type; empty for an assignment without a task. */
  readonly tool: string;
  /** performance.now() when its run started (for the container start latency). */
  startedAt?: number;
  /**
   * The task's output, kept until its result is acknowledged so that it can be resent (the
   * first MiBs in memory, the rest on disk: output-log.ts). Undefined for tasks that never ran.
   */
  output?: OutputLog;
  /** Joins output into chunks of up to 64 KiB for the wire (output-coalescer.ts). */
  coalescer?: OutputCoalescer;
  /** Its record in the work directory (--task-records), written as the output goes out. */
  recordFiles?: TaskRecordWriter;
  /**
   * The session the task's messages and output go out on live: the one it was accepted on, then
   * each new one it caught up on (Assignments.resume). A message sent while it is not the
   * session open now is not sent (the output is in `output`, and goes again with its offsets).
   */
  session: number | undefined;
  /** Its container runs (what `running` said), and whether that went out on a session. */
  running?: TaskRunning;
  runningSent?: boolean;
  done?: Promise<void>;
  /** The orchestrator revoked its lease: the run is stopped, nothing more is sent for it, its result is not delivered. */
  revoked?: boolean;
}
