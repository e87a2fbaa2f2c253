/**
 * A bad command line, environment variable or config file. The message names the option
 * (`--heartbeat-interval`, or a config-file key for file-only settings) and where the bad
 * value came from; it is meant to be shown to the operator as is.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The flag (`--log-level`) or file key (`tools.overrides.file_read.memory`) at fault, if one. */
  readonly option: string | undefined;

  constructor(message: string, options?: { option?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.option = options?.option;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
