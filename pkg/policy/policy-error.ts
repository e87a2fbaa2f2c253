/**
 * A policy file (or an image reference) that cannot be accepted. `keyPath` locates the fault
 * inside the file (`caps.memory`, `mounts[2].access`) and is part of the message.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';

  constructor(
    message: string,
    readonly keyPath?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
