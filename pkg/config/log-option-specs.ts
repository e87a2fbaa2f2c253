import type { LogFormat, LogLevel } from '../log/log-options.js';
import type { OptionSpec } from './option-spec.js';
import { parseChoice } from './parse-choice.js';
import { parseText } from './parse-text.js';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** `--log-level`, `--log-format`, `--log-output`: the same for every command (file keys `log.*`). */
export function logOptionSpecs(): {
  readonly logLevel: OptionSpec<LogLevel>;
  readonly logFormat: OptionSpec<LogFormat>;
  readonly logOutput: OptionSpec<string>;
} {
  return {
    logLevel: {
      flag: 'log-level',
      key: 'log.level',
      default: 'info',
      metavar: LOG_LEVELS.join('|'),
      doc: 'Least severe level written.',
      parse: (raw) => parseChoice(raw, LOG_LEVELS),
    },
    logFormat: {
      flag: 'log-format',
      key: 'log.format',
      default: 'text',
      metavar: LOG_FORMATS.join('|'),
      doc: 'text: one readable line per entry (time level message key=value ...); json: one JSON object per line.',
      parse: (raw) => parseChoice(raw, LOG_FORMATS),
    },
    logOutput: {
      flag: 'log-output',
      key: 'log.output',
      default: 'stdout',
      metavar: 'stdout|stderr|file',
      doc: 'Where the log goes: stdout, stderr, or a file path (appended to).',
      parse: (raw) => parseText(raw),
    },
  };
}
