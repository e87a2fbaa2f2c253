import type { ExecuteTaskResult, Executor } from './create-executor.js';

/** Reads one file (path relative to the mount) in a container. */
export function fileRead(executor: Executor, mountSource: string, path: string, signal?: AbortSignal): Promise<ExecuteTaskResult> {
  return executor.executeTask({ toolType: 'file_read', mountSource, params: { path } }, signal);
}

/** Fetches an http(s) URL from a container with network access. */
export function fetchUrl(executor: Executor, url: string, signal?: AbortSignal): Promise<ExecuteTaskResult> {
  return executor.executeTask({ toolType: 'fetch_url', params: { url } }, signal);
}

/** Runs a web search through the configured search URL template. */
export function webSearch(executor: Executor, query: string, signal?: AbortSignal): Promise<ExecuteTaskResult> {
  return executor.executeTask({ toolType: 'web_search', params: { query } }, signal);
}
