import winston from 'winston';

import { createLogTransport } from './create-log-transport.js';
import { jsonLineFormat } from './json-line-format.js';
import type { LogOptions } from './log-options.js';
import { textLineFormat } from './text-line-format.js';

/**
 * A winston logger writing `options.format` lines (text or json) of entries at
 * `options.level` and above to `options.output`. `logger.error(err)` logs the error's message
 * (and stack, as metadata). To flush a file before exit: `logger.end()` and wait for its
 * `finish` event. Throws if the output file cannot be opened.
 */
export function createLogger(options: LogOptions): winston.Logger {
  return winston.createLogger({
    levels: winston.config.npm.levels,
    level: options.level,
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      options.format === 'json' ? jsonLineFormat() : textLineFormat(),
    ),
    transports: [createLogTransport(options.output)],
    exitOnError: false,
  });
}
