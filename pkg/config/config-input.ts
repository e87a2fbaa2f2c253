/** What a command's configuration is loaded from; passed in so loading depends on nothing global. */
export interface ConfigInput {
  /** Command-line arguments after the program name (`process.argv.slice(2)`). */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory, where the default config file is looked for. */
  readonly homeDir: string;
}

export interface WorkerConfigInput extends ConfigInput {
  /** Gives the default worker name, `worker-<hostname>`. */
  readonly hostname: string;
}

/** A command line either asks for usage or yields a configuration. */
export type ParsedArgs<C> =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'config'; readonly config: C };
