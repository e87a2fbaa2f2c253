import { closeSync, openSync } from 'node:fs';

import winston from 'winston';

const ALL_LEVELS = Object.keys(winston.config.npm.levels);

/**
 * Where log lines go: `stdout`, `stderr`, or a file path, appended to. The file is opened
 * once here so that a bad path fails at start, not on the first write.
 */
export function createLogTransport(output: string): winston.transport {
  if (output === 'stdout') return new winston.transports.Console({ stderrLevels: [], consoleWarnLevels: [] });
  if (output === 'stderr') return new winston.transports.Console({ stderrLevels: ALL_LEVELS });
  try {
    closeSync(openSync(output, 'a'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open log file ${output}: ${reason}`, { cause: error });
  }
  return new winston.transports.File({ filename: output });
}
