import type { OutputCoalescer } from './output-coalescer.js';
import type { OutputLog } from './output-log.js';
import type { TaskRecordWriter } from './task-records.js';

/** One assignment this worker holds, from accept until its result is spooled. */
export interface AssignedTask {
  readonly taskId: string;
  readonly leaseEpoch: number;
  readonly attempt: number;
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
  /** The session every message of the task went out on so far; undefined once one was missed. */
  session: number | undefined;
  done?: Promise<void>;
}
