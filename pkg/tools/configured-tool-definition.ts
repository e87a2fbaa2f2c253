import type { MountUse, ResourceLimits } from './tool-spec.js';

/** Names of a configured tool's parameters, as `{name}` placeholders use them. */
export const CONFIGURED_PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Longest string value a parameter takes unless its `maxLength` says otherwise, in characters. */
export const DEFAULT_MAX_STRING_LENGTH = 4096;

/** Docker refuses memory limits below 6 MiB. */
export const MIN_CONTAINER_MEMORY_BYTES = 6 * 1024 * 1024;

interface ConfiguredParamBase {
  /** A task must send it. Default false. A required parameter has no default. */
  readonly required?: boolean;
  readonly description?: string;
}

export interface ConfiguredStringParam extends ConfiguredParamBase {
  readonly type: 'string';
  readonly default?: string;
  /** A JavaScript regular expression (unicode mode) the whole value must match. */
  readonly pattern?: string;
  /** In characters; default DEFAULT_MAX_STRING_LENGTH. */
  readonly maxLength?: number;
  /** Default false: a value starting with `-` is refused, so it can never become an option. */
  readonly allowLeadingDash?: boolean;
}

export interface ConfiguredIntegerParam extends ConfiguredParamBase {
  readonly type: 'integer';
  readonly default?: number;
  readonly min?: number;
  readonly max?: number;
}

export interface ConfiguredBooleanParam extends ConfiguredParamBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}

/** One declared parameter: tasks send it as a string, the tool checks it by its type. */
export type ConfiguredParam = ConfiguredStringParam | ConfiguredIntegerParam | ConfiguredBooleanParam;

/**
 * An operator's own tool, declared as data (`tools.custom` in the worker's config file, or built
 * by a program) rather than code: a fixed command whose `{name}` placeholders take the task's
 * parameters, each substituted inside its own argv element (never split, never through a shell).
 * Checked and made into a ToolSpec by createConfiguredTool; unset fields take its defaults.
 */
export interface ConfiguredToolDefinition {
  /** The tool type, /^[a-z][a-z0-9_-]{0,63}$/; must not be a built-in tool's. */
  readonly name: string;
  /** Default ''. */
  readonly description?: string;
  /** Default: the built-in tools' image (`tools.image`). */
  readonly image?: string;
  /**
   * The argv, each element a template: `{name}` is a declared parameter, `{{` and `}}` are
   * literal braces. An element that is exactly `{name}` is dropped when that optional parameter
   * is absent and has no default; placeholders inside longer elements must be required or have
   * a default. A placeholder must be a whole element unless `interpolate` is set, and never sits
   * where it could change what runs (findUnsafePlaceholder: the program, an interpreter's code or
   * options, a wrapper's options).
   */
  readonly command: readonly string[];
  /**
   * Default false: each placeholder must be a whole argv element (`"{file}"`), so a value is always
   * exactly one argument. True also allows placeholders inside longer elements (`--size={n}`,
   * `{name}.txt`); they are still refused where findUnsafePlaceholder refuses them.
   */
  readonly interpolate?: boolean;
  /** Declared parameters by name; tasks may send no others. Each must appear in `command`. */
  readonly params?: Readonly<Record<string, ConfiguredParam>>;
  /** Docker network; default `none`. */
  readonly network?: string;
  /** Default `none`: no files. */
  readonly mount?: MountUse;
  /** OCI runtime; default the engine's. */
  readonly runtime?: string;
  /** Each field defaults to the file-tool limits (0.1 CPU, 64 MiB, 10 PIDs); memory at least 6 MiB. */
  readonly limits?: Partial<ResourceLimits>;
  /** Default and longest run time of one task; default 30 s. */
  readonly timeoutMs?: number;
}
