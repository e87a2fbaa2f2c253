/** An error's message for a log line (a non-Error as its string). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
