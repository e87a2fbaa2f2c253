/**
 * One option of a command: where it comes from (flag, environment, config file, default),
 * how it is shown in help, and how its raw value is checked and compiled.
 */
export interface OptionSpec<T> {
  /** Flag name without dashes (`heartbeat-interval`); absent for settings only a config file holds. */
  readonly flag?: string;
  /** Dotted key in the config file (`heartbeatInterval`, `log.level`, `tools.overrides`). */
  readonly key: string;
  /** The default as an operator would write it (`30s`, `10MiB`); an object for file-only mappings. */
  readonly default: string | Readonly<Record<string, unknown>>;
  /** Shown in help instead of `default` when the default depends on the host or environment. */
  readonly defaultText?: string;
  /** Placeholder in help: `--dial-timeout <duration>`. */
  readonly metavar?: string;
  /** A flag that takes no value (`--insecure` means true); its variable and file key take true/false. */
  readonly boolean?: true;
  /** A flag that may be given more than once (`--label a=1 --label b=2`): its values are joined with commas. */
  readonly repeatable?: true;
  /**
   * A structured value a config file may give for a plain option (e.g. a mapping of labels),
   * turned into the text its flag would take; without it such values are refused.
   */
  readonly fileValue?: (value: object) => string;
  readonly doc: string;
  /** Further environment variables, read below the option's own (`ORCHESTRATOR_URL`). */
  readonly fallbackEnv?: readonly string[];
  /** Checks a raw value (a string from a flag or env, anything from a file); throws InvalidValueError. */
  readonly parse: (raw: unknown) => T;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec<unknown>>>;

/** The compiled value of every option in a spec table. */
export type OptionValues<S extends OptionSpecs> = {
  readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never;
};

/** `WORKER_` + `heartbeat-interval` → `WORKER_HEARTBEAT_INTERVAL`. */
export function envVarName(prefix: string, flag: string): string {
  return `${prefix}${flag.toUpperCase().replaceAll('-', '_')}`;
}
