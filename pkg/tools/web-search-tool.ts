import { WorkerError } from '../errors/index.js';
import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { WEB_SEARCH_TIMEOUT_MS, WEB_TOOL_LIMITS } from './builtin-tool-limits.js';
import { buildCurlInvocation } from './build-curl-invocation.js';
import { expectParams } from './expect-params.js';
import { parseHttpUrl } from './parse-http-url.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { validateFetchBytes } from './validate-fetch-bytes.js';
import { validateTextField } from './validate-text-field.js';

const TYPE = 'web_search';
const QUERY_PLACEHOLDER = '{query}';
export const MAX_QUERY_CHARS = 2048;

/**
 * web_search {query}: curl of options.searchUrlTemplate with `{query}` replaced by the
 * URL-encoded query, the same run as fetch_url. Throws INVALID_PARAMS at once when the template
 * has no `{query}` or is not an http(s) URL.
 */
export function createWebSearchTool(options: BuiltinToolOptions): ToolSpec {
  const maxFetchBytes = validateFetchBytes(options.maxFetchBytes);
  const template = options.searchUrlTemplate;
  if (!template.includes(QUERY_PLACEHOLDER)) {
    throw new WorkerError('INVALID_PARAMS', `searchUrlTemplate must contain ${QUERY_PLACEHOLDER}`);
  }
  parseHttpUrl(template.split(QUERY_PLACEHOLDER).join('q'), 'searchUrlTemplate');
  const settings = resolveToolSettings(options, TYPE, {
    network: options.webNetwork,
    limits: WEB_TOOL_LIMITS,
    timeoutMs: WEB_SEARCH_TIMEOUT_MS,
  });
  return {
    type: TYPE,
    description: 'Search the web and print the search service response.',
    mount: 'none',
    ...settings,
    buildInvocation(params, context) {
      const { query } = expectParams(params, 'webSearch', TYPE);
      validateTextField(query, 'query', { nonEmpty: true, trim: true });
      if (query.length > MAX_QUERY_CHARS) {
        throw new WorkerError('INVALID_PARAMS', `query is longer than ${MAX_QUERY_CHARS} characters`);
      }
      const url = template.split(QUERY_PLACEHOLDER).join(encodeURIComponent(query));
      return buildCurlInvocation(parseHttpUrl(url), { maxFetchBytes, timeoutMs: settings.timeoutMs }, context, TYPE);
    },
  };
}
