import winston from 'winston';

import { toLoggable } from './to-loggable.js';

/**
 * One JSON object per line: `{"timestamp":…,"level":…,"message":…, …metadata}`. Errors in
 * metadata keep name, message, code, stack and cause; cycles and bigints do not throw.
 */
export function jsonLineFormat(): winston.Logform.Format {
  return winston.format.printf((info) => {
    const { timestamp, level, message, ...meta } = info;
    const entry = toLoggable({ timestamp, level, message, ...meta }, { stack: true });
    return JSON.stringify(entry);
  });
}
