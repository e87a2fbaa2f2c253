/** The OCI runtimes an engine offers (docker info), as the worker needs them. */
export interface EngineRuntimes {
  /** The engine's default runtime, used when a tool names none. */
  readonly default: string;
  /** Every registered runtime, sorted, e.g. `['runc', 'runsc', 'runsc-hostnet']`. */
  readonly all: readonly string[];
  /**
   * Runtimes registered with `--network=none` (gVisor's runsc without a network): a container
   * under one of them has no network whatever Docker network it joins.
   */
  readonly networkless: readonly string[];
}

/** The part of `docker info` that lists runtimes. */
export interface InfoRuntimes {
  readonly Runtimes?: Readonly<Record<string, { readonly path?: string; readonly runtimeArgs?: readonly string[] | null } | null>>;
  readonly DefaultRuntime?: string;
}

/** Compiles `docker info`'s runtimes; an engine that lists none has runc. Pure. */
export function engineRuntimesFrom(info: InfoRuntimes): EngineRuntimes {
  const entries = Object.entries(info.Runtimes ?? {});
  const all = entries.map(([name]) => name).sort();
  const networkless = entries
    .filter(([, runtime]) => hasNoNetwork(runtime?.runtimeArgs ?? []))
    .map(([name]) => name)
    .sort();
  return { default: info.DefaultRuntime ?? 'runc', all: all.length > 0 ? all : ['runc'], networkless };
}

/** Whether runsc's arguments turn its network off (`--network=none`, `--network none`, the last one wins). */
function hasNoNetwork(args: readonly string[]): boolean {
  let network: string | undefined;
  args.forEach((arg, i) => {
    const match = /^--?network(?:=(.*))?$/.exec(arg);
    if (match) network = match[1] ?? args[i + 1];
  });
  return network === 'none';
}
