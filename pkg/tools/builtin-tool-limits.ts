import type { ResourceLimits } from './tool-spec.js';

const MIB = 1024 * 1024;

/** file_read, file_write, file_edit, list, and custom tools unless they say otherwise. */
export const FILE_TOOL_LIMITS: ResourceLimits = Object.freeze({ cpus: 0.1, memoryBytes: 64 * MIB, pids: 10 });
export const FILE_TOOL_TIMEOUT_MS = 30_000;

/** grep and find. */
export const SEARCH_TOOL_LIMITS: ResourceLimits = Object.freeze({ cpus: 0.2, memoryBytes: 128 * MIB, pids: 20 });
export const SEARCH_TOOL_TIMEOUT_MS = 60_000;

/** fetch_url and web_search. */
export const WEB_TOOL_LIMITS: ResourceLimits = Object.freeze({ cpus: 0.2, memoryBytes: 128 * MIB, pids: 10 });
export const FETCH_URL_TIMEOUT_MS = 30_000;
export const WEB_SEARCH_TIMEOUT_MS = 60_000;

/** What the offline file tools start from before config overrides. */
export const FILE_TOOL_DEFAULTS = Object.freeze({ network: 'none', limits: FILE_TOOL_LIMITS, timeoutMs: FILE_TOOL_TIMEOUT_MS });

/** What grep and find start from before config overrides. */
export const SEARCH_TOOL_DEFAULTS = Object.freeze({ network: 'none', limits: SEARCH_TOOL_LIMITS, timeoutMs: SEARCH_TOOL_TIMEOUT_MS });
