import type { BuiltinToolOptions } from './builtin-tool-options.js';
import type { ToolSpec } from './tool-spec.js';
import { FETCH_URL_TIMEOUT_MS, WEB_TOOL_LIMITS } from './builtin-tool-limits.js';
import { buildCurlInvocation } from './build-curl-invocation.js';
import { expectParams } from './expect-params.js';
import { parseHttpUrl } from './parse-http-url.js';
import { resolveToolSettings } from './resolve-tool-settings.js';
import { validateFetchBytes } from './validate-fetch-bytes.js';

const TYPE = 'fetch_url';

/** fetch_url {url}: curl of one http(s) URL (see buildCurlInvocation) through the egress proxy, on options.webNetwork. */
export function createFetchUrlTool(options: BuiltinToolOptions): ToolSpec {
  const maxFetchBytes = validateFetchBytes(options.maxFetchBytes);
  const settings = resolveToolSettings(options, TYPE, {
    network: options.webNetwork,
    limits: WEB_TOOL_LIMITS,
    timeoutMs: FETCH_URL_TIMEOUT_MS,
  });
  return {
    type: TYPE,
    description: 'Fetch an http or https URL and print the response body.',
    mount: 'none',
    ...settings,
    buildInvocation(params, context) {
      const { url } = expectParams(params, 'fetchUrl', TYPE);
      return buildCurlInvocation(parseHttpUrl(url), { maxFetchBytes, timeoutMs: settings.timeoutMs }, context, TYPE);
    },
  };
}
