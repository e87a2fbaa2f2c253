import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

import convict from 'convict';

import { ConfigError } from './config-error.js';
import { InvalidValueError } from './invalid-value-error.js';
import { envVarName, type OptionSpec, type OptionSpecs, type OptionValues } from './option-spec.js';
import { readConfigFile } from './read-config-file.js';

export interface LoadOptionsInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Prefix of every option's environment variable, e.g. `WORKER_`. */
  readonly envPrefix: string;
  /** Read when neither `--config` nor `<prefix>CONFIG` names a file, if it exists. */
  readonly defaultConfigFile: string;
}

export type LoadedOptions<S extends OptionSpecs> =
  | { readonly kind: 'help' }
  | { readonly kind: 'values'; readonly values: OptionValues<S>; readonly configFile: string | undefined };

type Source =
  | { readonly kind: 'flag' }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'default' };

interface Issue {
  readonly option: string;
  readonly message: string;
}

/**
 * Resolves a table of options with convict: flags (parsed here with node:util parseArgs,
 * strict) > environment (`<prefix><FLAG>`, then any fallback variables) > config file
 * (`--config`, `<prefix>CONFIG`, or `defaultConfigFile` if it exists) > defaults.
 * Empty environment variables count as unset. Every value goes through its spec's `parse`;
 * every failure is a ConfigError naming the option and where the value came from.
 * `-h`/`--help` anywhere before `--` wins over everything else.
 */
export function loadOptions<S extends OptionSpecs>(specs: S, input: LoadOptionsInput): LoadedOptions<S> {
  const entries = Object.entries(specs);
  const commandLine = parseCommandLine(input.argv, entries.map(([, spec]) => spec));
  if (commandLine === 'help') return { kind: 'help' };

  const env = nonEmpty(input.env);
  const configFile =
    commandLine.config ??
    env[`${input.envPrefix}CONFIG`] ??
    (existsSync(input.defaultConfigFile) ? input.defaultConfigFile : undefined);
  const rawFile = configFile === undefined ? {} : readConfigFile(configFile);

  const sourceOf = (spec: OptionSpec<unknown>): Source => {
    if (spec.flag !== undefined) {
      if (commandLine.flags.has(spec.flag)) return { kind: 'flag' };
      const name = [envVarName(input.envPrefix, spec.flag), ...(spec.fallbackEnv ?? [])].find((n) => env[n] !== undefined);
      if (name !== undefined) return { kind: 'env', name };
    }
    if (configFile !== undefined && lookup(rawFile, spec.key) != null) return { kind: 'file', path: configFile };
    return { kind: 'default' };
  };

  const file = checkFile(rawFile, entries.map(([, spec]) => spec), configFile ?? '', sourceOf);

  const config = convict<Record<string, unknown>>(buildSchema(entries, input.envPrefix), { env, args: [] });
  config.load(file);
  for (const [, spec] of entries) {
    if (spec.flag === undefined || spec.fallbackEnv === undefined) continue;
    if (env[envVarName(input.envPrefix, spec.flag)] !== undefined) continue;
    const fallback = spec.fallbackEnv.map((name) => env[name]).find((value) => value !== undefined);
    if (fallback !== undefined) config.set(spec.key, fallback);
  }
  for (const [flag, value] of commandLine.flags) {
    const spec = entries.find(([, s]) => s.flag === flag)?.[1];
    if (spec !== undefined) config.set(spec.key, value);
  }

  let convictError: unknown;
  try {
    config.validate({ allowed: 'strict' });
  } catch (error) {
    convictError = error;
  }

  const properties = config.getProperties();
  const values: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (const [id, spec] of entries) {
    const raw = lookup(properties, spec.key);
    try {
      values[id] = spec.parse(raw);
    } catch (error) {
      if (!(error instanceof InvalidValueError)) throw error;
      issues.push(describeIssue(spec, sourceOf(spec), error));
    }
  }
  if (issues.length > 0) {
    const [first] = issues;
    throw new ConfigError(issues.map((issue) => issue.message).join('\n'), { option: first?.option });
  }
  if (convictError !== undefined) {
    const message = convictError instanceof Error ? convictError.message : String(convictError);
    throw new ConfigError(`invalid configuration: ${message}`, { cause: convictError });
  }
  return { kind: 'values', values: values as OptionValues<S>, configFile };
}

function parseCommandLine(
  argv: readonly string[],
  specs: readonly OptionSpec<unknown>[],
): 'help' | { readonly flags: ReadonlyMap<string, string>; readonly config: string | undefined } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
    config: { type: 'string' },
  };
  for (const spec of specs) {
    if (spec.flag === undefined) continue;
    options[spec.flag] = { type: spec.boolean ? 'boolean' : 'string', ...(spec.repeatable ? { multiple: true } : {}) };
  }

  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    if (asksForHelp(argv)) return 'help';
    throw commandLineError(error);
  }
  if (values['help'] === true) return 'help';

  const flags = new Map<string, string>();
  for (const spec of specs) {
    const value = spec.flag === undefined ? undefined : values[spec.flag];
    if (spec.flag !== undefined && typeof value === 'string') flags.set(spec.flag, value);
    if (spec.flag !== undefined && Array.isArray(value)) flags.set(spec.flag, value.filter((v) => typeof v === 'string').join(','));
    if (spec.flag !== undefined && value === true) flags.set(spec.flag, 'true');
  }
  const config = values['config'];
  if (config === '') throw new ConfigError('invalid value for --config: the value is empty', { option: '--config' });
  return { flags, config: typeof config === 'string' ? config : undefined };
}

function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '-h' || arg === '--help');
}

function commandLineError(error: unknown): ConfigError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const option = quoted.split(/[\s,]+/).find((part) => part.startsWith('--')) ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new ConfigError(`unknown option ${option} (see --help)`, { option, cause: error });
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new ConfigError(`unexpected argument "${quoted}": this command takes only options (see --help)`, {
        cause: error,
      });
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing|ambiguous/.test(message)) {
        return new ConfigError(
          `missing value for ${option} (write ${option} VALUE or ${option}=VALUE; a value starting with "-" needs the = form)`,
          { option, cause: error },
        );
      }
      return new ConfigError(`invalid use of ${option}: ${message.split('\n')[0] ?? ''}`, { option, cause: error });
    default:
      return new ConfigError(`invalid command line: ${message}`, { cause: error });
  }
}

function describeIssue(spec: OptionSpec<unknown>, source: Source, error: InvalidValueError): Issue {
  if (spec.flag === undefined) {
    const key = error.subKey === undefined ? spec.key : `${spec.key}.${error.subKey}`;
    const where = source.kind === 'file' ? ` (in ${source.path})` : '';
    return { option: key, message: `invalid value for ${key}${where}: ${error.reason}` };
  }
  const option = `--${spec.flag}`;
  switch (source.kind) {
    case 'flag':
      return { option, message: `invalid value for ${option}: ${error.message}` };
    case 'env':
      return { option, message: `invalid value for ${option} (from ${source.name}): ${error.message}` };
    case 'file':
      return { option, message: `invalid value for ${option} (from ${spec.key} in ${source.path}): ${error.message}` };
    case 'default':
      return { option, message: `invalid default for ${option}: ${error.message}; set ${option}` };
  }
}

/**
 * Drops null entries (an empty YAML value means "not set"), rejects keys no option has, and
 * rejects structured values where a plain one belongs (convict would merge into them).
 */
function checkFile(
  file: Record<string, unknown>,
  specs: readonly OptionSpec<unknown>[],
  path: string,
  sourceOf: (spec: OptionSpec<unknown>) => Source,
): Record<string, unknown> {
  const leaves = new Map(specs.map((spec) => [spec.key, spec]));
  const groups = new Set(specs.flatMap((spec) => spec.key.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));

  const walk = (node: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(node)) {
      const key = prefix === '' ? name : `${prefix}.${name}`;
      if (value === null || value === undefined) continue;
      const leaf = leaves.get(key);
      if (leaf !== undefined) {
        if (typeof leaf.default === 'string' && typeof value === 'object') {
          // A flag or variable replaces it anyway; convict must not merge into it.
          if (sourceOf(leaf).kind !== 'file') continue;
          try {
            leaf.parse(value);
          } catch (error) {
            if (!(error instanceof InvalidValueError)) throw error;
            const issue = describeIssue(leaf, sourceOf(leaf), error);
            throw new ConfigError(issue.message, { option: issue.option });
          }
          if (leaf.fileValue !== undefined) {
            out[name] = leaf.fileValue(value);
            continue;
          }
        }
        out[name] = value;
      } else if (groups.has(key)) {
        if (typeof value !== 'object' || Array.isArray(value)) {
          const keys = [...leaves.keys(), ...groups].filter((k) => k.startsWith(`${key}.`) && !k.slice(key.length + 1).includes('.'));
          throw new ConfigError(`"${key}" in ${path} must be a mapping with keys ${keys.map((k) => k.slice(key.length + 1)).join(', ')}`, {
            option: key,
          });
        }
        out[name] = walk(value as Record<string, unknown>, key);
      } else {
        const hint = suggestKey(key, specs);
        throw new ConfigError(`unknown key "${key}" in ${path}${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`, {
          option: key,
        });
      }
    }
    return out;
  };
  return walk(file, '');
}

/** `logLevel`, `log_level` or `log-level` → `log.level`. */
function suggestKey(key: string, specs: readonly OptionSpec<unknown>[]): string | undefined {
  const squash = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  const wanted = squash(key);
  return specs.find((spec) => squash(spec.key) === wanted || (spec.flag !== undefined && squash(spec.flag) === wanted))?.key;
}

function buildSchema(entries: readonly (readonly [string, OptionSpec<unknown>])[], envPrefix: string): convict.Schema<Record<string, unknown>> {
  const root: Record<string, unknown> = {};
  for (const [, spec] of entries) {
    const parts = spec.key.split('.');
    const name = parts.pop() ?? spec.key;
    let node = root;
    for (const part of parts) {
      const child = (node[part] ??= {}) as Record<string, unknown>;
      node = child;
    }
    node[name] = {
      doc: spec.doc,
      default: spec.default,
      // Plain values: checked by the spec (convict coerces nothing, as every default is a
      // string). Mappings: convict only checks the type; the spec checks them when compiling.
      format:
        typeof spec.default === 'string'
          ? (value: unknown): void => {
              spec.parse(value);
            }
          : Object,
      ...(spec.flag === undefined ? {} : { env: envVarName(envPrefix, spec.flag) }),
    };
  }
  // Leaves are SchemaObj values and groups nested records, as built above.
  return root as convict.Schema<Record<string, unknown>>;
}

function lookup(root: unknown, key: string): unknown {
  let node = root;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function nonEmpty(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== '') out[name] = value;
  return out;
}
