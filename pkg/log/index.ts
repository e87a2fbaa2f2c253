export type { Logger } from 'winston';
export type { LogFormat, LogLevel, LogOptions } from './log-options.js';
export { createLogger } from './create-logger.js';
export { closeLogger } from './close-logger.js';
