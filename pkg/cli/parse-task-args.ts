import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import ms from 'ms';
import { checkClientTls, type ClientTransport } from '../config/compile-client-tls.js';
import { isConfigError } from '../config/config-error.js';
import type { ClientTlsFiles } from '../config/tls-config.js';
import { groupNameProblem, labelsProblem, parseLabelPairs } from '../placement/label-rules.js';
import { parseAddress } from '../rpc/create-channel.js';
import { DEFAULT_ORCHESTRATOR_ADDR } from './task-usage.js';
import { UsageError } from './usage-error.js';

/** A `--param` value: literal text, or the bytes of a file read by the command. */
export type ParamSource = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'file'; readonly path: string };

/**
 * How the command reaches a TCP orchestrator: TLS files (absolute paths, read by the command) or
 * plaintext (`insecure`); neither for a unix socket.
 */
export type TaskTransport = ClientTransport<ClientTlsFiles>;

/**
 * Where the client token comes from (sent as `authorization: Bearer …` on every call): a file
 * (--token-file, else $BAAAHT_TOKEN_FILE), else $BAAAHT_TOKEN; never from an argument, which
 * other users could read in the process list. Read by the command, not here.
 */
export type TokenSource =
  | { readonly kind: 'none' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'env'; readonly variable: typeof TOKEN_ENV };

/** The environment variables the CLI reads its client token from. */
export const TOKEN_ENV = 'BAAAHT_TOKEN';
export const TOKEN_FILE_ENV = 'BAAAHT_TOKEN_FILE';

/** How the command reaches the orchestrator and who it says it is. */
export type TaskConnection = TaskTransport & { readonly token: TokenSource };

export type TaskCommand =
  | ({
      readonly kind: 'run';
      readonly addr: string;
      readonly toolType: string;
      /** Absolute, or '' for no mount. */
      readonly mount: string;
      readonly writable: boolean;
      readonly params: Readonly<Record<string, ParamSource>>;
      /** 0: the tool's default. */
      readonly timeoutMs: number;
      readonly worker: string;
      /** '' for any group. */
      readonly group: string;
      /** Labels the worker must carry (its own or platform ones), checked with pkg/placement's rules. */
      readonly labels: Readonly<Record<string, string>>;
      readonly json: boolean;
      /** Submit, print the task id and exit (SubmitTask) instead of following the task. */
      readonly detach: boolean;
    } & TaskConnection)
  | ({ readonly kind: 'get'; readonly addr: string; readonly taskId: string; readonly json: boolean } & TaskConnection)
  | ({ readonly kind: 'workers'; readonly addr: string; readonly json: boolean } & TaskConnection)
  | ({
      readonly kind: 'watch';
      readonly addr: string;
      /** Time between two polls of the orchestrator. */
      readonly intervalMs: number;
      /** Print one snapshot and exit. */
      readonly once: boolean;
    } & TaskConnection)
  | ({ readonly kind: 'cancel'; readonly addr: string; readonly taskId: string; readonly force: boolean } & TaskConnection)
  | { readonly kind: 'help' };

const OPTIONS = {
  'orchestrator-addr': { type: 'string' },
  'ca-cert': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'tls-server-name': { type: 'string' },
  insecure: { type: 'boolean' },
  'token-file': { type: 'string' },
  mount: { type: 'string' },
  writable: { type: 'boolean' },
  param: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  worker: { type: 'string' },
  group: { type: 'string' },
  label: { type: 'string', multiple: true },
  interval: { type: 'string' },
  once: { type: 'boolean' },
  json: { type: 'boolean' },
  detach: { type: 'boolean' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;

/** Options of every command: where the orchestrator is and how to reach it. */
const GLOBAL: readonly OptionName[] = ['orchestrator-addr', 'ca-cert', 'cert', 'key', 'tls-server-name', 'insecure', 'token-file'];

const COMMANDS = ['run', 'get', 'workers', 'watch', 'cancel'] as const;
type CommandName = (typeof COMMANDS)[number];

const ALLOWED: Record<CommandName, readonly OptionName[]> = {
  run: ['mount', 'writable', 'param', 'timeout', 'worker', 'group', 'label', 'json', 'detach'],
  get: ['json'],
  workers: ['json'],
  watch: ['interval', 'once'],
  cancel: ['force'],
};

/** Largest timeout the protocol carries (uint32 milliseconds). */
const MAX_TIMEOUT_MS = 0xffff_ffff;

/** `watch --interval` bounds and default. */
export const WATCH_INTERVAL = Object.freeze({ defaultMs: 1000, minMs: 100, maxMs: 3_600_000 });

/** Parses `task ...` arguments (without `node` and the script). Pure; throws UsageError. */
export function parseTaskArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): TaskCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const [subcommand, ...args] = positionals;
  if (subcommand === undefined) throw new UsageError('missing command: run, get, workers, watch or cancel');
  if (!(COMMANDS as readonly string[]).includes(subcommand)) {
    throw new UsageError(`unknown command ${JSON.stringify(subcommand)}: expected run, get, workers, watch or cancel`);
  }
  const command = subcommand as CommandName;
  for (const name of Object.keys(values) as OptionName[]) {
    if (!GLOBAL.includes(name) && !ALLOWED[command].includes(name)) {
      throw new UsageError(`--${name} does not apply to ${command}`);
    }
  }
  const addr = values['orchestrator-addr'] ?? (env['ORCHESTRATOR_URL'] || DEFAULT_ORCHESTRATOR_ADDR);
  try {
    parseAddress(addr);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const transport: TaskConnection = { ...parseTransport(addr, values, cwd), token: parseTokenSource(values['token-file'], env, cwd) };

  switch (command) {
    case 'get': {
      if (args.length !== 1 || args[0] === '') throw new UsageError('get takes exactly one TASK_ID');
      return { kind: 'get', addr, taskId: args[0]!, json: values.json ?? false, ...transport };
    }
    case 'workers':
      if (args.length > 0) throw new UsageError(`workers takes no arguments, got ${JSON.stringify(args.join(' '))}`);
      return { kind: 'workers', addr, json: values.json ?? false, ...transport };
    case 'watch':
      if (args.length > 0) throw new UsageError(`watch takes no arguments, got ${JSON.stringify(args.join(' '))}`);
      return {
        kind: 'watch',
        addr,
        intervalMs: values.interval === undefined ? WATCH_INTERVAL.defaultMs : parseInterval(values.interval),
        once: values.once ?? false,
        ...transport,
      };
    case 'cancel': {
      if (args.length !== 1 || args[0] === '') throw new UsageError('cancel takes exactly one TASK_ID');
      return { kind: 'cancel', addr, taskId: args[0]!, force: values.force ?? false, ...transport };
    }
    case 'run': {
      if (args.length !== 1 || args[0] === '') throw new UsageError('run takes exactly one TOOL');
      const mount = values.mount === undefined ? '' : values.mount;
      if (values.mount !== undefined && mount === '') throw new UsageError('--mount needs a directory');
      if (values.writable && mount === '') throw new UsageError('--writable needs --mount');
      return {
        kind: 'run',
        addr,
        toolType: args[0]!,
        mount: mount === '' ? '' : resolve(cwd, mount),
        writable: values.writable ?? false,
        params: parseParams(values.param ?? []),
        timeoutMs: values.timeout === undefined ? 0 : parseTimeout(values.timeout),
        worker: values.worker ?? '',
        group: parseGroup(values.group),
        labels: parseLabels(values.label ?? []),
        json: values.json ?? false,
        detach: values.detach ?? false,
        ...transport,
      };
    }
  }
}

/** The TLS options, checked as the worker's are (files are read later, by the command). */
function parseTransport(
  addr: string,
  values: { 'ca-cert'?: string; cert?: string; key?: string; 'tls-server-name'?: string; insecure?: boolean },
  cwd: string,
): TaskTransport {
  const path = (value: string | undefined, option: string): string => {
    if (value === undefined) return '';
    if (value === '') throw new UsageError(`--${option} needs a file`);
    return resolve(cwd, value);
  };
  try {
    return checkClientTls(addr, '--orchestrator-addr', {
      caCert: path(values['ca-cert'], 'ca-cert'),
      cert: path(values.cert, 'cert'),
      key: path(values.key, 'key'),
      tlsServerName: values['tls-server-name'] ?? '',
      insecure: values.insecure ?? false,
    });
  } catch (error) {
    if (isConfigError(error)) throw new UsageError(error.message);
    throw error;
  }
}

function parseTokenSource(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): TokenSource {
  if (flag !== undefined) {
    if (flag === '') throw new UsageError('--token-file needs a file');
    return { kind: 'file', path: resolve(cwd, flag) };
  }
  const fromEnv = env[TOKEN_FILE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { kind: 'file', path: resolve(cwd, fromEnv) };
  const token = env[TOKEN_ENV];
  return token !== undefined && token !== '' ? { kind: 'env', variable: TOKEN_ENV } : { kind: 'none' };
}

function parseParams(raw: readonly string[]): Record<string, ParamSource> {
  const params: Record<string, ParamSource> = Object.create(null);
  for (const item of raw) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(item)} must be KEY=VALUE`);
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (Object.hasOwn(params, key)) throw new UsageError(`--param ${key} is given more than once`);
    if (value.startsWith('@@')) params[key] = { kind: 'text', text: value.slice(1) };
    else if (value.startsWith('@')) {
      if (value === '@') throw new UsageError(`--param ${key}=@ needs a file name`);
      params[key] = { kind: 'file', path: value.slice(1) };
    } else params[key] = { kind: 'text', text: value };
  }
  return params;
}

/** A duration with a unit (`30s`, `1.5m`, `500ms`) in milliseconds, or undefined. */
function parseDuration(raw: string): number | undefined {
  const value = /^\s*\d+(\.\d+)?\s*[a-z]+\s*$/i.test(raw) ? ms(raw.trim() as ms.StringValue) : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function parseTimeout(raw: string): number {
  const value = parseDuration(raw);
  if (value === undefined || value < 1) {
    throw new UsageError(`--timeout ${JSON.stringify(raw)} is not a duration (e.g. 30s, 5m)`);
  }
  if (value > MAX_TIMEOUT_MS) throw new UsageError(`--timeout ${raw} is too long`);
  return Math.round(value);
}

function parseInterval(raw: string): number {
  const value = parseDuration(raw);
  if (value === undefined) throw new UsageError(`--interval ${JSON.stringify(raw)} is not a duration (e.g. 1s, 500ms)`);
  if (value < WATCH_INTERVAL.minMs || value > WATCH_INTERVAL.maxMs) {
    throw new UsageError(`--interval ${raw} is out of range: ${WATCH_INTERVAL.minMs}ms to ${WATCH_INTERVAL.maxMs / 60_000}m`);
  }
  return Math.round(value);
}

function parseGroup(raw: string | undefined): string {
  if (raw === undefined) return '';
  if (raw === '') throw new UsageError('--group needs a group name');
  const problem = groupNameProblem(raw);
  if (problem !== undefined) throw new UsageError(`--group: ${problem}`);
  return raw;
}

/** Repeated `--label k=v` (each may be `k=v,k2=v2`); a key asked for twice with different values is an error. */
function parseLabels(raw: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of raw) {
    let pairs: Record<string, string>;
    try {
      pairs = parseLabelPairs(item);
    } catch (error) {
      throw new UsageError(`--label: ${(error as Error).message}`);
    }
    if (Object.keys(pairs).length === 0) throw new UsageError('--label needs key=value');
    for (const [key, value] of Object.entries(pairs)) {
      if (Object.hasOwn(labels, key) && labels[key] !== value) {
        throw new UsageError(`--label ${key} is given twice, as ${JSON.stringify(labels[key])} and ${JSON.stringify(value)}`);
      }
      labels[key] = value;
    }
  }
  const problem = labelsProblem(labels);
  if (problem !== undefined) throw new UsageError(`--label: ${problem}`);
  return labels;
}
