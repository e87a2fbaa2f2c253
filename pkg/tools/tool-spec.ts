import type { TaskParams } from '../protocol/tool-params.js';

/** The typed parameters of a task: one case per built-in tool, `custom` for registered tools. */
export type { TaskParams };

export interface ResourceLimits {
  /** CPU share, e.g. 0.1 for a tenth of one core. */
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly pids: number;
}

/** What the container runs for one task. Arguments are argv entries, never a shell string. */
export interface ToolInvocation {
  readonly argv: readonly string[];
  /** Bytes written to the container's stdin, then stdin is closed (file content travels here). */
  readonly stdin?: Uint8Array;
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * How a task's mount is used: `none` (no files: web tools), `read` (mounted read-only),
 * `write` (the tool writes: mounted read-write, and the task must say writable).
 */
export type MountUse = 'none' | 'read' | 'write';

/** What the worker adds when it builds a task's invocation. */
export interface InvocationContext {
  /**
   * The worker's egress proxy (`http://GATEWAY:PORT` on the web tools' internal network), the
   * web tools' only way out; undefined when none runs (the web tools then refuse with POLICY_DENIED).
   */
  readonly egressProxyUrl?: string;
}

export interface ToolSpec {
  /** The task's tool_type, e.g. `file_read`. Lower case letters, digits, `_` and `-`. */
  readonly type: string;
  readonly description: string;
  readonly image: string;
  /** Docker network mode: `none` for every tool that does not need the network. */
  readonly network: string;
  readonly mount: MountUse;
  readonly limits: ResourceLimits;
  /** Default and maximum run time of one task. */
  readonly timeoutMs: number;
  /** OCI runtime (`runc`, `runsc`); undefined means the engine's default. */
  readonly runtime?: string;
  /**
   * The exit code by which the tool reports a path that leaves the workspace (the built-in file
   * tools' guard: GUARD_ESCAPE_EXIT); the task then fails PATH_ESCAPE rather than NON_ZERO_EXIT.
   */
  readonly escapeExitCode?: number;
  /**
   * Exit code by which the tool says it refused to write past its write cap (the file tools'
   * guard: GUARD_WRITE_LIMIT_EXIT); the task then fails WRITE_LIMIT rather than NON_ZERO_EXIT.
   */
  readonly writeLimitExitCode?: number;
  /** An operator-registered tool (tools.custom), not a built-in one: policies may force a runtime on these. */
  readonly custom?: boolean;
  /**
   * Validates the task's parameters (hostile input) and returns what to run.
   * Throws a WorkerError (INVALID_PARAMS, PATH_ESCAPE, INVALID_URL, INVALID_PATTERN, ...)
   * before any container exists.
   */
  buildInvocation(params: TaskParams | undefined, context?: InvocationContext): ToolInvocation;
}

/** Where the task's mount appears inside the container, and the working directory. */
export const WORKSPACE_DIR = '/workspace';
