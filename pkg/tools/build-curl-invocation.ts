import { WorkerError } from '../errors/index.js';
import type { InvocationContext, ToolInvocation } from './tool-spec.js';

export interface CurlLimits {
  readonly maxFetchBytes: number;
  /** The tool's timeout; curl gives up a little earlier so its own error reaches the output. */
  readonly timeoutMs: number;
}

/**
 * The curl run shared by fetch_url and web_search, for a URL parseHttpUrl accepted.
 * `--disable` (first) keeps curl from reading a .curlrc; `--globoff` stops curl expanding `{a,b}`
 * and `[1-9]` into several requests (WHATWG leaves them unescaped in queries); only http and https are allowed, also
 * on redirects; the body is capped (curl can only enforce the cap up front when the size is
 * announced; the egress proxy's byte cap and the worker's output cap cover the rest). Every
 * request, redirects included, goes through the worker's egress proxy (`--proxy`; `--noproxy ''`
 * so that no NO_PROXY exception applies), which decides where it may go: without one the tool
 * refuses (POLICY_DENIED). `--no-buffer` writes the body as it arrives: curl's stdout is a pipe,
 * which it would otherwise fill in blocks and send only when full or at exit.
 */
export function buildCurlInvocation(url: URL, limits: CurlLimits, context: InvocationContext | undefined, tool: string): ToolInvocation {
  const proxy = context?.egressProxyUrl;
  if (proxy === undefined || proxy === '') {
    throw new WorkerError('POLICY_DENIED', `${tool} reaches the network only through the worker's egress proxy, and none runs here`);
  }
  return {
    argv: [
      'curl',
      '--disable',
      '--globoff',
      '--proxy',
      proxy,
      '--noproxy',
      '',
      '--silent',
      '--show-error',
      '--no-buffer',
      '--location',
      '--max-redirs',
      '5',
      '--proto',
      '=http,https',
      '--proto-redir',
      '=http,https',
      '--max-filesize',
      String(Math.floor(limits.maxFetchBytes)),
      '--max-time',
      curlMaxTimeSeconds(limits.timeoutMs),
      '--fail-with-body',
      '--url',
      url.href,
    ],
  };
}

/** The timeout less a tenth of it, at most 2 s, in seconds with at most 3 decimals. */
export function curlMaxTimeSeconds(timeoutMs: number): string {
  const margin = Math.min(2000, timeoutMs / 10);
  return String(Math.max(1, Math.floor(timeoutMs - margin)) / 1000);
}
