/** Where the CLI writes: process.stdout / process.stderr, or a test's collector. */
export interface CliOutput {
  /** False when the output is full (a Writable): the task's output then waits for `drain`. */
  write(chunk: string | Uint8Array): unknown;
  once?(event: 'drain', listener: () => void): unknown;
  /** True for a terminal (then `columns` and `rows` are its size). */
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}
