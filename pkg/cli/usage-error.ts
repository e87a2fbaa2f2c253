/** The command line was wrong: the CLI prints the message and the usage, and exits 126. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
