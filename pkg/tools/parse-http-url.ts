import { WorkerError } from '../errors/index.js';
import { quoteValue } from '../errors/quote-value.js';

export const MAX_URL_BYTES = 8192;

/**
 * Parses an http or https URL (WHATWG rules) and returns it. Throws INVALID_URL for anything
 * else: not a string, empty, longer than 8192 bytes, white space or control characters (which the
 * URL parser would silently strip), unparsable, another scheme (file:, javascript:, ftp:, data:,
 * ...), no host, or credentials in the URL.
 */
export function parseHttpUrl(raw: unknown, field = 'url'): URL {
  if (typeof raw !== 'string' || raw === '') {
    throw new WorkerError('INVALID_URL', `${field} must be a non-empty string`);
  }
  if (Buffer.byteLength(raw, 'utf8') > MAX_URL_BYTES) {
    throw new WorkerError('INVALID_URL', `${field} is longer than ${MAX_URL_BYTES} bytes`);
  }
  if (/[\p{Cc}\p{Z}]|[\uD800-\uDFFF]/u.test(raw)) {
    throw new WorkerError('INVALID_URL', `${field} must not contain white space or control characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new WorkerError('INVALID_URL', `${field} ${quoteValue(raw)} is not a valid absolute URL`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WorkerError('INVALID_URL', `${field} must use http or https, not ${quoteValue(url.protocol.slice(0, -1))}`);
  }
  if (url.hostname === '') {
    throw new WorkerError('INVALID_URL', `${field} has no host`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new WorkerError('INVALID_URL', `${field} must not contain credentials`);
  }
  return url;
}
