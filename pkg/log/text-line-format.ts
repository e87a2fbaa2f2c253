import winston from 'winston';

import { toLoggable } from './to-loggable.js';

const RESERVED = new Set(['level', 'message', 'timestamp']);
const BARE = /^[^\s"=\\\u0000-\u001f\u007f]+$/;

/**
 * One readable line per entry: `2026-11-23T18:00:00.000Z info  message key=value ...`.
 * Values with spaces, quotes or `=` are JSON-quoted, objects JSON-encoded, Errors shown by
 * message; control characters are escaped so one entry is always one line.
 */
export function textLineFormat(): winston.Logform.Format {
  return winston.format.printf((info) => {
    const timestamp = typeof info['timestamp'] === 'string' ? info['timestamp'] : new Date().toISOString();
    let line = `${timestamp} ${info.level.padEnd(5)} ${escapeControl(messageText(info.message))}`;
    for (const [key, value] of Object.entries(info)) {
      if (RESERVED.has(key) || value === undefined) continue;
      line += ` ${escapeControl(key)}=${renderValue(value)}`;
    }
    return line;
  });
}

function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message === undefined) return '';
  return renderValue(message);
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return BARE.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return renderValue(value.message);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  return JSON.stringify(toLoggable(value)) ?? String(value);
}

function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (char) => {
    switch (char) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}
