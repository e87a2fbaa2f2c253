import type { Task } from '../gen/agent/v1/agent.js';

/** The task's `params` oneof (Task.params): one case per built-in tool, and `custom`. */
export type TaskParams = NonNullable<Task['params']>;

/** What a tool type (Task.tool_type) looks like: built-in and configured tools alike. */
export const TOOL_TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** A case of the task's `params` oneof, e.g. `fileRead` or `custom`. */
export type ParamsCase = TaskParams['$case'];

/** The value of one params case, e.g. `FileReadParams` for `fileRead`. */
export type ParamsValue<C extends ParamsCase> =
  Extract<TaskParams, { $case: C }> extends infer P ? (P extends { readonly [K in C]: infer V } ? V : never) : never;

/** Built-in tool types and the params case each one takes. */
export const BUILTIN_TOOL_PARAMS_CASES = Object.freeze({
  file_read: 'fileRead',
  file_write: 'fileWrite',
  file_edit: 'fileEdit',
  grep: 'grep',
  find: 'find',
  list: 'list',
  fetch_url: 'fetchUrl',
  web_search: 'webSearch',
} as const satisfies Record<string, Exclude<ParamsCase, 'custom'>>);

export type BuiltinToolType = keyof typeof BUILTIN_TOOL_PARAMS_CASES;
export type BuiltinParamsCase = (typeof BUILTIN_TOOL_PARAMS_CASES)[BuiltinToolType];

export const BUILTIN_TOOL_TYPES: readonly BuiltinToolType[] = Object.freeze([
  'file_read',
  'file_write',
  'file_edit',
  'grep',
  'find',
  'list',
  'fetch_url',
  'web_search',
]);

/** The proto message of each params case, for error messages. */
export const PARAMS_MESSAGE_NAMES = Object.freeze({
  fileRead: 'FileReadParams',
  fileWrite: 'FileWriteParams',
  fileEdit: 'FileEditParams',
  grep: 'GrepParams',
  find: 'FindParams',
  list: 'ListParams',
  fetchUrl: 'FetchUrlParams',
  webSearch: 'WebSearchParams',
  custom: 'CustomParams',
} as const satisfies Record<ParamsCase, string>);

export function isBuiltinToolType(type: string): type is BuiltinToolType {
  return Object.hasOwn(BUILTIN_TOOL_PARAMS_CASES, type);
}

/**
 * The params case a task of this built-in tool type carries; undefined for every other type
 * (user-registered tools take the `custom` case).
 */
export function paramsCaseForTool(type: BuiltinToolType): BuiltinParamsCase;
export function paramsCaseForTool(type: string): BuiltinParamsCase | undefined;
export function paramsCaseForTool(type: string): BuiltinParamsCase | undefined {
  return isBuiltinToolType(type) ? BUILTIN_TOOL_PARAMS_CASES[type] : undefined;
}

/** The built-in tool type that takes this params case; undefined for `custom`. */
export function toolTypeForParamsCase(paramsCase: ParamsCase): BuiltinToolType | undefined {
  return BUILTIN_TOOL_TYPES.find((type) => BUILTIN_TOOL_PARAMS_CASES[type] === paramsCase);
}
