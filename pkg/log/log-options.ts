export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'text' | 'json';

export interface LogOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** `stdout`, `stderr`, or a file path (appended to). */
  readonly output: string;
}
