import { InvalidValueError, showValue } from './invalid-value-error.js';

/** An http(s) URL containing `{query}`, where web_search puts the URL-encoded query. */
export function parseSearchUrlTemplate(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.includes('{query}')) {
    throw new InvalidValueError(`${showValue(raw)} does not contain {query}`);
  }
  let url: URL;
  try {
    url = new URL(raw.replaceAll('{query}', 'q'));
  } catch {
    throw new InvalidValueError(`${showValue(raw)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidValueError(`${showValue(raw)} is not an http or https URL`);
  }
  return raw;
}
